import { and, eq, gt, inArray, asc, sql } from "drizzle-orm";
import { inChunks, type Db } from "../../../db/client";
import { runTickets, syncRuns, ticketLinks } from "../../../db/schema";
import { pastKey, seekOrder, type Seek } from "../../../db/queries/keyset";

/** A tenant's runs, newest first, keyset-paged on (startedAt, id) — served by sync_runs_tenant_idx. */
export function listRuns(db: Db, tenantId: string, seek: Seek | null, limit: number) {
  const key = [syncRuns.startedAt, syncRuns.id];
  return db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.tenantId, tenantId), pastKey(seek, key)))
    .orderBy(...seekOrder(seek, key))
    .limit(limit);
}

export interface RunTicketCounts {
  queued: number;
  done: number;
  failed: number;
}

/** Per-run ticket outcomes (queued / done / failed) for these runs of one tenant. */
export async function runTicketCounts(db: Db, tenantId: string, runIds: string[]): Promise<Map<string, RunTicketCounts>> {
  const counts = new Map<string, RunTicketCounts>();
  // A run's rows all fall in one slice, so the per-slice counts need no merging.
  const rows = await inChunks(runIds, (chunk) =>
    db
      .select({ runId: runTickets.runId, state: runTickets.state, n: sql<number>`count(*)` })
      .from(runTickets)
      .where(and(eq(runTickets.tenantId, tenantId), inArray(runTickets.runId, chunk)))
      .groupBy(runTickets.runId, runTickets.state),
  );
  for (const r of rows) {
    const c = counts.get(r.runId) ?? { queued: 0, done: 0, failed: 0 };
    c[r.state] = Number(r.n);
    counts.set(r.runId, c);
  }
  return counts;
}

/** The tickets a run handed over, with their link's current summary and state; keyset-paged by portal id. */
export function listRunTickets(db: Db, tenantId: string, runId: string, afterPortalId: number, limit: number) {
  return db
    .select({
      portalTicketId: runTickets.portalTicketId,
      source: runTickets.source,
      state: runTickets.state,
      summary: ticketLinks.summary,
      linkState: ticketLinks.state,
      cwTicketId: ticketLinks.cwTicketId,
    })
    .from(runTickets)
    .leftJoin(ticketLinks, and(eq(ticketLinks.tenantId, runTickets.tenantId), eq(ticketLinks.portalTicketId, runTickets.portalTicketId)))
    .where(and(eq(runTickets.tenantId, tenantId), eq(runTickets.runId, runId), gt(runTickets.portalTicketId, afterPortalId)))
    .orderBy(asc(runTickets.portalTicketId))
    .limit(limit);
}
