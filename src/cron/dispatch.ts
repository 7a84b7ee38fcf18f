import { createDb, MAX_IDS_PER_QUERY, nowIso, type Db } from "../db/client";
import { listDispatchableTenants } from "../db/queries/tenants";
import { closeStalledRuns, markRunsFailed, runsInProgress, STALE_RUN_MS, STALLED_LISTING_MS, type RunTrigger } from "../db/queries/runs";
import { syncRuns } from "../db/schema";
import type { Logger } from "../lib/log";
import type { TenantSyncMessage } from "../jobs/messages";
import { sendTenantSync } from "../jobs/send";

/** Tenants per D1 round (their ids go into one `IN (…)` list). */
const TENANT_BATCH = MAX_IDS_PER_QUERY;

export interface DispatchResult {
  dispatched: number;
  skipped: number;
  staleClosed: number;
  /** Run ids by tenant id, for the callers that start one tenant's run. */
  runs: Map<string, { id: string; status: "queued" | "skipped" }>;
}

/**
 * Starts one run per active, unpaused tenant (the cron's job): a `sync_runs` row and a
 * `tenant-sync` message each, in batches, so 1,000 tenants cost a handful of D1 rounds.
 */
export async function dispatchTenantRuns(env: Env, trigger: RunTrigger, logger: Logger, now = new Date()): Promise<DispatchResult> {
  const db = createDb(env.DB);
  const result: DispatchResult = { dispatched: 0, skipped: 0, staleClosed: 0, runs: new Map() };
  let afterId = "";
  for (;;) {
    const batch = await listDispatchableTenants(db, afterId, TENANT_BATCH, now.toISOString());
    if (batch.length === 0) break;
    afterId = batch[batch.length - 1]!.id;
    await startRuns(
      env,
      db,
      batch.map((t) => t.id),
      trigger,
      logger,
      now,
      result,
    );
  }
  return result;
}

/** Starts a run for one tenant now ("Sync now"), with the same no-overlap rule. */
export async function startTenantRun(env: Env, tenantId: string, trigger: RunTrigger, logger: Logger, now = new Date()) {
  const result: DispatchResult = { dispatched: 0, skipped: 0, staleClosed: 0, runs: new Map() };
  await startRuns(env, createDb(env.DB), [tenantId], trigger, logger, now, result);
  return result.runs.get(tenantId)!;
}

/**
 * Listings of one tenant never overlap (they move its cursors): a tenant whose previous run
 * is still listing gets a "skipped" run instead. A run whose listing is done only waits for
 * its tickets, and does not hold the next one back. Runs that stopped moving are closed
 * first (see STALLED_LISTING_MS, STALE_RUN_MS); what they had queued is listed again.
 */
async function startRuns(env: Env, db: Db, tenantIds: string[], trigger: RunTrigger, logger: Logger, now: Date, result: DispatchResult) {
  const running = await runsInProgress(db, tenantIds);
  const idleMs = (r: (typeof running)[number]) => now.getTime() - Date.parse(r.progressAt ?? r.startedAt);
  const stalledListings = running.filter((r) => !r.listingComplete && idleMs(r) > STALLED_LISTING_MS);
  const staleRuns = running.filter((r) => r.listingComplete && idleMs(r) > STALE_RUN_MS);
  await closeStalledRuns(
    db,
    stalledListings.map((r) => r.id),
    "failed: the listing made no progress for 5 minutes (a lost message or a restart); the next run lists again",
    nowIso(),
  );
  await closeStalledRuns(
    db,
    staleRuns.map((r) => r.id),
    "failed: its tickets made no progress for an hour; the next run syncs them again",
    nowIso(),
  );
  for (const r of [...stalledListings, ...staleRuns]) logger.warn("run.stalled_closed", { tenant: r.tenantId, run: r.id });
  result.staleClosed += stalledListings.length + staleRuns.length;
  const busy = new Set(running.filter((r) => !r.listingComplete && !stalledListings.includes(r)).map((r) => r.tenantId));

  const startedAt = now.toISOString();
  const rows = tenantIds.map((tenantId) => ({
    id: crypto.randomUUID(),
    tenantId,
    trigger,
    startedAt,
    progressAt: startedAt,
    ...(busy.has(tenantId)
      ? { status: "skipped" as const, message: "skipped: the previous run is still listing changes", finishedAt: startedAt }
      : { status: "queued" as const }),
  }));
  const inserts = rows.map((row) => db.insert(syncRuns).values(row));
  await db.batch([inserts[0]!, ...inserts.slice(1)]);

  const queued = rows.filter((r) => r.status === "queued");
  const messages: TenantSyncMessage[] = queued.map((r) => ({ kind: "tenant-sync", v: 1, tenantId: r.tenantId, runId: r.id }));
  try {
    await sendTenantSync(env, messages);
  } catch (err) {
    await markRunsFailed(
      db,
      queued.map((r) => r.id),
      "failed: could not enqueue the run",
      nowIso(),
    );
    throw err;
  }
  for (const r of rows) {
    logger.info(r.status === "queued" ? "run.dispatched" : "run.skipped", { tenant: r.tenantId, run: r.id, trigger });
    result.runs.set(r.tenantId, { id: r.id, status: r.status });
  }
  result.dispatched += queued.length;
  result.skipped += rows.length - queued.length;
}
