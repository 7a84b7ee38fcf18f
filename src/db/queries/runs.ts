import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { selectInChunks, type Db } from "../client";
import { runTickets, syncRuns } from "../schema";
import { emptyStats, statsIncrement, type TicketStats } from "./sync-state";

/** A run still queued or running after this long is considered dead and closed as failed. */
export const STALE_RUN_MS = 60 * 60 * 1000;

export type RunTrigger = (typeof syncRuns.$inferInsert)["trigger"];

export function getRun(db: Db, tenantId: string, runId: string) {
  return db.query.syncRuns.findFirst({ where: and(eq(syncRuns.id, runId), eq(syncRuns.tenantId, tenantId)) });
}

/** Runs of these tenants still in progress (queued or running). */
export function runsInProgress(db: Db, tenantIds: string[]) {
  if (tenantIds.length === 0) return Promise.resolve([]);
  return db
    .select({ id: syncRuns.id, tenantId: syncRuns.tenantId, startedAt: syncRuns.startedAt })
    .from(syncRuns)
    .where(and(inArray(syncRuns.tenantId, tenantIds), inArray(syncRuns.status, ["queued", "running"])));
}

export function markRunsFailed(db: Db, runIds: string[], message: string, finishedAt: string) {
  if (runIds.length === 0) return Promise.resolve();
  return db.update(syncRuns).set({ status: "failed", message, finishedAt }).where(inArray(syncRuns.id, runIds)).then(() => undefined);
}

/** queued → running; a redelivered message for a running run is fine. Returns false when the run already ended. */
export async function startRun(db: Db, tenantId: string, runId: string): Promise<boolean> {
  const rows = await db
    .update(syncRuns)
    .set({ status: "running" })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.tenantId, tenantId), inArray(syncRuns.status, ["queued", "running"])))
    .returning({ id: syncRuns.id });
  return rows.length > 0;
}

/**
 * Records tickets handed to ticket-sync. Idempotent: a redelivered page adds nothing twice,
 * and `ticketsSeen` counts only newly recorded tickets.
 */
export async function addRunTickets(db: Db, tenantId: string, runId: string, portalTicketIds: number[], source: string): Promise<void> {
  if (portalTicketIds.length === 0) return;
  const inserts = portalTicketIds.map((portalTicketId) =>
    db.insert(runTickets).values({ runId, tenantId, portalTicketId, source }).onConflictDoNothing(),
  );
  const recount = db
    .update(syncRuns)
    .set({ ticketsSeen: sql`(SELECT COUNT(*) FROM ${runTickets} WHERE ${runTickets.runId} = ${runId})` })
    .where(eq(syncRuns.id, runId));
  await db.batch([inserts[0]!, ...inserts.slice(1), recount]);
}

export async function markListingComplete(db: Db, runId: string): Promise<void> {
  await db.update(syncRuns).set({ listingComplete: true }).where(eq(syncRuns.id, runId));
}

/**
 * Marks one ticket of a run finished and completes the run if that was its last, in one
 * round trip (a transaction). The state changes once (the first completion), and only
 * then is a failure counted; every delivery's stats are added: a duplicate delivery writes
 * nothing, yet its API calls were real, and whichever delivery did the writes carries
 * their counts. Returns whether this completed the run.
 */
export async function finishRunTicket(
  db: Db,
  runId: string,
  portalTicketId: number,
  outcome: "done" | "failed",
  finishedAt: string,
  stats?: TicketStats,
): Promise<boolean> {
  const thisTicket = and(eq(runTickets.runId, runId), eq(runTickets.portalTicketId, portalTicketId), eq(runTickets.state, "queued"));
  // Counted before the state changes: "still queued" is what makes it the first completion.
  const count =
    outcome === "failed"
      ? db.update(syncRuns).set({ failures: sql`${syncRuns.failures} + 1` }).where(and(eq(syncRuns.id, runId), sql`EXISTS (SELECT 1 FROM ${runTickets} WHERE ${thisTicket})`))
      : db.update(syncRuns).set(statsIncrement(stats ?? emptyStats())).where(eq(syncRuns.id, runId));
  const [, , completed] = await db.batch([count, db.update(runTickets).set({ state: outcome }).where(thisTicket), completeRun(db, runId, finishedAt)]);
  return completed.length > 0;
}

/**
 * Which of these tickets an earlier listing of this run (not `source` itself, which may be
 * a redelivered page) already handed over: one ticket, one message per run.
 */
export async function handedOverBefore(db: Db, runId: string, portalTicketIds: number[], source: string): Promise<Set<number>> {
  const rows = await selectInChunks(portalTicketIds, (chunk) =>
    db
      .select({ id: runTickets.portalTicketId })
      .from(runTickets)
      .where(and(eq(runTickets.runId, runId), ne(runTickets.source, source), inArray(runTickets.portalTicketId, chunk))),
  );
  return new Set(rows.map((r) => r.id));
}

/** Completes the run once listing is over and no ticket is still queued. Idempotent. */
export async function completeRunIfDone(db: Db, runId: string, finishedAt: string): Promise<boolean> {
  return (await completeRun(db, runId, finishedAt)).length > 0;
}

function completeRun(db: Db, runId: string, finishedAt: string) {
  return db
    .update(syncRuns)
    .set({ status: "completed", finishedAt })
    .where(
      and(
        eq(syncRuns.id, runId),
        eq(syncRuns.status, "running"),
        eq(syncRuns.listingComplete, true),
        sql`NOT EXISTS (SELECT 1 FROM ${runTickets} WHERE ${runTickets.runId} = ${runId} AND ${runTickets.state} = 'queued')`,
      ),
    )
    .returning({ id: syncRuns.id });
}
