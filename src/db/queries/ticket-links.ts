import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { Db } from "../client";
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
  if (portalTicketIds.length === 0) return;
  await db
    .update(ticketLinks)
    .set({ resyncRequested: false })
    .where(and(eq(ticketLinks.tenantId, tenantId), inArray(ticketLinks.portalTicketId, portalTicketIds)));
}

export type TicketEventInput = typeof ticketEvents.$inferInsert;

export function ticketEventsOf(db: Db, tenantId: string, portalTicketId: number) {
  return db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.tenantId, tenantId), eq(ticketEvents.portalTicketId, portalTicketId)))
    .orderBy(asc(ticketEvents.id));
}
