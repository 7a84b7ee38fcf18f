import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { inChunks, type Db } from "../client";
import { connectwiseConnections, portalConnections, tenantSettings, tenants, ticketLinks } from "../schema";
import type { KnownVersion } from "../../domain/versions";

/** What a tenant run needs: cursors, the first-import date and both connections. */
export async function loadTenantRunState(db: Db, tenantId: string) {
  const [tenant, settings, portal, connectwise] = await db.batch([
    db.select().from(tenants).where(eq(tenants.id, tenantId)),
    db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId)),
    db.select().from(portalConnections).where(eq(portalConnections.tenantId, tenantId)),
    db.select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId)),
  ]);
  return { tenant: tenant[0], settings: settings[0], portal: portal[0], connectwise: connectwise[0] };
}

/** Last synced versions of these portal tickets. */
export async function knownVersions(db: Db, tenantId: string, portalTicketIds: number[]): Promise<Map<number, KnownVersion>> {
  const rows = await inChunks(portalTicketIds, (chunk) =>
    db
      .select({
        portalTicketId: ticketLinks.portalTicketId,
        cwTicketId: ticketLinks.cwTicketId,
        portalUpdatedAt: ticketLinks.portalUpdatedAt,
        cwUpdatedAt: ticketLinks.cwUpdatedAt,
        resyncRequested: ticketLinks.resyncRequested,
        lastError: ticketLinks.lastError,
      })
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenantId), inArray(ticketLinks.portalTicketId, chunk))),
  );
  // A ticket whose last sync failed is not "known": it is tried again.
  return new Map(rows.map((r) => [r.portalTicketId, { ...r, portalUpdatedAt: r.lastError ? null : r.portalUpdatedAt }]));
}

/** Links that followed a merge to a parent ticket (at most `limit`): the listing looks at those parents too. */
export function mergeFollowers(db: Db, tenantId: string, limit = 100) {
  return db
    .select({ portalTicketId: ticketLinks.portalTicketId, cwTicketId: ticketLinks.cwTicketId, cwUpdatedAt: ticketLinks.cwUpdatedAt })
    .from(ticketLinks)
    .where(
      and(eq(ticketLinks.tenantId, tenantId), isNotNull(ticketLinks.cwTicketId), sql`json_extract(${ticketLinks.syncedFields}, '$.mergedFrom') IS NOT NULL`),
    )
    .limit(limit);
}

export async function advanceCursor(db: Db, tenantId: string, source: "portal" | "connectwise", value: string): Promise<void> {
  await db
    .update(tenants)
    .set(source === "portal" ? { portalCursor: value } : { cwCursor: value })
    .where(eq(tenants.id, tenantId));
}
