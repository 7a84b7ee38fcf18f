import { and, desc, eq, ne, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { commentLinks, runTickets, ticketLinks } from "../../../db/schema";
import { pastKey, seekOrder, type Seek } from "../../../db/queries/keyset";

export type LinkState = (typeof ticketLinks.$inferSelect)["state"];
export interface TicketFilter {
  /** Free text: a portal or CW id (exact) or words of the summary (LIKE, escaped). */
  q?: string;
  state?: LinkState;
  hasWarning?: boolean;
}

/** Escapes LIKE wildcards so a search for "50%" matches the text, not everything. */
const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

function searchCondition(q: string): SQL {
  const summary = sql`${ticketLinks.summary} LIKE ${likeContains(q)} ESCAPE '\\'`;
  const id = /^#?(\d{1,15})$/.exec(q);
  if (!id) return summary;
  const n = Number(id[1]);
  return or(eq(ticketLinks.portalTicketId, n), eq(ticketLinks.cwTicketId, n), summary)!;
}

/**
 * Links newest-updated first, keyset-paged on (updatedAt, id): no OFFSET, so page 2,000
 * costs what page 1 does. The order matches ticket_links_updated_idx (or state_idx with a
 * state filter; the rowid is the implicit tail of both indexes).
 */
export function searchTicketLinks(db: Db, tenantId: string, filter: TicketFilter, seek: Seek | null, limit: number) {
  const key = [ticketLinks.updatedAt, ticketLinks.id];
  return db
    .select({
      id: ticketLinks.id,
      portalTicketId: ticketLinks.portalTicketId,
      cwTicketId: ticketLinks.cwTicketId,
      summary: ticketLinks.summary,
      state: ticketLinks.state,
      warnings: ticketLinks.warnings,
      lastSyncedAt: ticketLinks.lastSyncedAt,
      updatedAt: ticketLinks.updatedAt,
    })
    .from(ticketLinks)
    .where(
      and(
        eq(ticketLinks.tenantId, tenantId),
        filter.state ? eq(ticketLinks.state, filter.state) : undefined,
        filter.hasWarning ? ne(ticketLinks.warnings, sql`'[]'`) : undefined,
        filter.q ? searchCondition(filter.q) : undefined,
        pastKey(seek, key),
      ),
    )
    .orderBy(...seekOrder(seek, key))
    .limit(limit);
}

/** Link counts by state (a covering scan of ticket_links_state_idx). */
export async function countLinksByState(db: Db, tenantId: string): Promise<Record<LinkState, number>> {
  const rows = await db
    .select({ state: ticketLinks.state, n: sql<number>`count(*)` })
    .from(ticketLinks)
    .where(eq(ticketLinks.tenantId, tenantId))
    .groupBy(ticketLinks.state);
  const counts: Record<LinkState, number> = { pending: 0, ok: 0, warning: 0, error: 0 };
  for (const r of rows) counts[r.state] = Number(r.n);
  return counts;
}

/**
 * Tickets whose last sync failed and that a run still has queued: their message is in
 * retry backoff (up to ~21 minutes, then dead-lettered), not lost and not blocking.
 */
export async function countRetrying(db: Db, tenantId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(ticketLinks)
    .where(
      and(
        eq(ticketLinks.tenantId, tenantId),
        eq(ticketLinks.state, "error"),
        sql`EXISTS (SELECT 1 FROM ${runTickets} WHERE ${runTickets.tenantId} = ${ticketLinks.tenantId} AND ${runTickets.portalTicketId} = ${ticketLinks.portalTicketId} AND ${runTickets.state} = 'queued')`,
      ),
    );
  return Number(row?.n ?? 0);
}

/** The most recently updated tickets in the warning state. */
export function recentWarnings(db: Db, tenantId: string, limit: number) {
  return db
    .select({ portalTicketId: ticketLinks.portalTicketId, summary: ticketLinks.summary, warnings: ticketLinks.warnings, updatedAt: ticketLinks.updatedAt })
    .from(ticketLinks)
    .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.state, "warning")))
    .orderBy(desc(ticketLinks.updatedAt))
    .limit(limit);
}

export function commentLinksOf(db: Db, tenantId: string, portalTicketId: number) {
  return db
    .select()
    .from(commentLinks)
    .where(and(eq(commentLinks.tenantId, tenantId), eq(commentLinks.portalTicketId, portalTicketId)))
    .orderBy(commentLinks.id);
}
