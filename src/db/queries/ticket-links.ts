import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { inChunks, type Db } from "../client";
import { ticketEvents, ticketLinks } from "../schema";

/** Tickets an admin asked to resync, after `afterPortalId` (keyset paging). */
export function listResyncRequested(db: Db, tenantId: string, afterPortalId: number, limit: number) {
  return db
    .select({ portalTicketId: ticketLinks.portalTicketId })
    .from(ticketLinks)
    .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.resyncRequested, true), gt(ticketLinks.portalTicketId, afterPortalId)))
    .orderBy(asc(ticketLinks.portalTicketId))
    .limit(limit);
}

export function getTicketLink(db: Db, tenantId: string, portalTicketId: number) {
  return db.query.ticketLinks.findFirst({
    where: and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId)),
  });
}

export async function clearResyncRequested(db: Db, tenantId: string, portalTicketIds: number[]): Promise<void> {
  await inChunks(portalTicketIds, async (chunk) => {
    await db
      .update(ticketLinks)
      .set({ resyncRequested: false })
      .where(and(eq(ticketLinks.tenantId, tenantId), inArray(ticketLinks.portalTicketId, chunk)));
  });
}

/** Which of these portal ticket ids the tenant already has a link for. */
export async function linkedIds(db: Db, tenantId: string, portalTicketIds: number[]): Promise<Set<number>> {
  const rows = await inChunks(portalTicketIds, (chunk) =>
    db
      .select({ id: ticketLinks.portalTicketId })
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenantId), inArray(ticketLinks.portalTicketId, chunk))),
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Flags tickets for a sync by the next run whatever their version, creating links as needed.
 * The ids travel as one JSON array (`json_each`): two bound values however many tickets.
 */
export async function requestResync(db: Db, tenantId: string, portalTicketIds: number[]): Promise<void> {
  if (portalTicketIds.length === 0) return;
  await db.run(sql`INSERT INTO ${ticketLinks} (tenant_id, portal_ticket_id, resync_requested)
    SELECT ${tenantId}, value, 1 FROM json_each(${JSON.stringify(portalTicketIds)}) WHERE true
    ON CONFLICT (tenant_id, portal_ticket_id) DO UPDATE SET resync_requested = 1`);
}

/**
 * Portal ticket ids of links with a warning (`"any"` or one code) and/or in a state, by id,
 * at most `limit`: the selection of a bulk resync.
 */
export async function linksMatching(db: Db, tenantId: string, filter: { warning?: string; state?: "warning" | "error" }, limit: number): Promise<number[]> {
  const rows = await db
    .select({ id: ticketLinks.portalTicketId })
    .from(ticketLinks)
    .where(
      and(
        eq(ticketLinks.tenantId, tenantId),
        filter.state ? eq(ticketLinks.state, filter.state) : undefined,
        filter.warning === "any"
          ? sql`json_array_length(${ticketLinks.warnings}) > 0`
          : filter.warning
            ? sql`EXISTS (SELECT 1 FROM json_each(${ticketLinks.warnings}) WHERE json_extract(value, '$.code') = ${filter.warning})`
            : undefined,
      ),
    )
    .orderBy(asc(ticketLinks.portalTicketId))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Makes the next sync push the mapped priority and status to every open linked ticket:
 * forgets what was pushed (the planner is change-driven) and flags them. Returns how many.
 */
export async function forgetPushedMappings(db: Db, tenantId: string): Promise<number> {
  const result = await db.run(sql`UPDATE ${ticketLinks} SET synced_fields = json_remove(synced_fields, '$.priority', '$.status'), resync_requested = 1
    WHERE tenant_id = ${tenantId} AND cw_ticket_id IS NOT NULL AND cw_closed = 0`);
  return result.meta.changes ?? 0;
}

export function ticketEventsOf(db: Db, tenantId: string, portalTicketId: number) {
  return db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.tenantId, tenantId), eq(ticketEvents.portalTicketId, portalTicketId)))
    .orderBy(asc(ticketEvents.id));
}
