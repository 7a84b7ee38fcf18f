import { and, eq, inArray, ne, or, sql } from "drizzle-orm";
import { inChunks, type Db } from "../client";
import { runTickets, syncRuns, ticketLinks } from "../schema";
import { emptyStats, statsIncrement, type TicketStats } from "./sync-state";

/**
 * A listing (pages of one run) that has not moved for one tick period lost its message
 * (a restart, a dropped delivery): it is closed, and the next run lists again.
 */
export const STALLED_LISTING_MS = 5 * 60 * 1000;
/**
 * A run whose listing is done waits only for its tickets, whose retries end within about
 * 21 minutes (dead-lettered at the latest): one with no progress for an hour lost a message.
 */
export const STALE_RUN_MS = 60 * 60 * 1000;

export type RunTrigger = (typeof syncRuns.$inferInsert)["trigger"];

export function getRun(db: Db, tenantId: string, runId: string) {
  return db.query.syncRuns.findFirst({ where: and(eq(syncRuns.id, runId), eq(syncRuns.tenantId, tenantId)) });
}

/** Runs of these tenants still in progress (queued or running), listing or waiting for tickets. */
export function runsInProgress(db: Db, tenantIds: string[]) {
  return inChunks(tenantIds, (chunk) =>
    db
      .select({
        id: syncRuns.id,
        tenantId: syncRuns.tenantId,
        startedAt: syncRuns.startedAt,
        progressAt: syncRuns.progressAt,
        listingComplete: syncRuns.listingComplete,
      })
      .from(syncRuns)
      .where(and(inArray(syncRuns.tenantId, chunk), inArray(syncRuns.status, ["queued", "running"]))),
  );
}

/**
 * Closes runs that will not end by themselves, as failed with `message`. The tickets they
 * still had queued are flagged for resync, so the next run hands them over again: a lost
 * message loses no change.
 */
export async function closeStalledRuns(db: Db, runIds: string[], message: string, finishedAt: string): Promise<void> {
  await inChunks(runIds, async (chunk) => {
    const queuedOfThese = and(inArray(runTickets.runId, chunk), eq(runTickets.state, "queued"));
    // Flags first: if closing fails after, a ticket is only synced once more.
    await db.run(sql`INSERT INTO ${ticketLinks} (tenant_id, portal_ticket_id, resync_requested)
      SELECT ${runTickets.tenantId}, ${runTickets.portalTicketId}, 1 FROM ${runTickets} WHERE ${queuedOfThese}
      ON CONFLICT (tenant_id, portal_ticket_id) DO UPDATE SET resync_requested = 1`);
    await db.batch([
      db.update(runTickets).set({ state: "failed" }).where(queuedOfThese),
      db.update(syncRuns).set({ status: "failed", message, finishedAt }).where(inArray(syncRuns.id, chunk)),
    ]);
  });
}

export async function markRunsFailed(db: Db, runIds: string[], message: string, finishedAt: string): Promise<void> {
  await inChunks(runIds, async (chunk) => {
    await db.update(syncRuns).set({ status: "failed", message, finishedAt }).where(inArray(syncRuns.id, chunk));
  });
}

/** Ends a run that had nothing it could do (e.g. setup incomplete), saying why. */
export function markRunSkipped(db: Db, runId: string, message: string, finishedAt: string) {
  return db
    .update(syncRuns)
    .set({ status: "skipped", message, finishedAt })
    .where(eq(syncRuns.id, runId))
    .then(() => undefined);
}

/**
 * queued → running, at the start of every page (which is the listing's progress); a
 * redelivered message for a running run is fine. Returns false when the run already ended.
 */
export async function startRun(db: Db, tenantId: string, runId: string, at: string): Promise<boolean> {
  const rows = await db
    .update(syncRuns)
    .set({ status: "running", progressAt: at })
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
  const inserts = portalTicketIds.map((portalTicketId) => db.insert(runTickets).values({ runId, tenantId, portalTicketId, source }).onConflictDoNothing());
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
      ? db
          .update(syncRuns)
          .set({ failures: sql`${syncRuns.failures} + 1`, progressAt: finishedAt })
          .where(and(eq(syncRuns.id, runId), sql`EXISTS (SELECT 1 FROM ${runTickets} WHERE ${thisTicket})`))
      : db
          .update(syncRuns)
          .set({ ...statsIncrement(stats ?? emptyStats()), progressAt: finishedAt })
          .where(eq(syncRuns.id, runId));
  const [, , completed] = await db.batch([count, db.update(runTickets).set({ state: outcome }).where(thisTicket), completeRun(db, runId, finishedAt)]);
  return completed.length > 0;
}

/**
 * Which of these tickets need no message from this page: an earlier listing of this run
 * (not `source` itself, which may be a redelivered page) handed them over, or another run
 * still has them queued (in retry backoff). Those are `busy`: the caller keeps their change
 * as a resync flag, so they are handed over again once that run is done with them.
 */
export async function alreadyHandedOver(db: Db, tenantId: string, runId: string, portalTicketIds: number[], source: string) {
  const rows = await inChunks(portalTicketIds, (chunk) =>
    db
      .select({ id: runTickets.portalTicketId, runId: runTickets.runId })
      .from(runTickets)
      .where(
        and(
          eq(runTickets.tenantId, tenantId),
          inArray(runTickets.portalTicketId, chunk),
          or(and(eq(runTickets.runId, runId), ne(runTickets.source, source)), and(ne(runTickets.runId, runId), eq(runTickets.state, "queued"))),
        ),
      ),
  );
  return { skip: new Set(rows.map((r) => r.id)), busy: [...new Set(rows.filter((r) => r.runId !== runId).map((r) => r.id))] };
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
