import { createDb, nowIso } from "../db/client";
import { listDispatchableTenants } from "../db/queries/tenants";
import { markRunsFailed, runsInProgress, STALE_RUN_MS, type RunTrigger } from "../db/queries/runs";
import { syncRuns } from "../db/schema";
import type { Logger } from "../lib/log";
import type { TenantSyncMessage } from "../schemas/messages";
import { sendTenantSync } from "../queues/send";

/** Tenants per D1 round (D1 binds at most 100 parameters per statement). */
const TENANT_BATCH = 90;

export interface DispatchResult {
  dispatched: number;
  skipped: number;
  staleClosed: number;
}

/**
 * Starts one run per active, unpaused tenant: a `sync_runs` row and a `tenant-sync`
 * message each. A tenant whose previous run is still going gets a "skipped" run instead,
 * so runs of one tenant never overlap; a run stuck longer than STALE_RUN_MS is closed.
 */
export async function dispatchTenantRuns(env: Env, trigger: RunTrigger, logger: Logger, now = new Date()): Promise<DispatchResult> {
  const db = createDb(env.DB);
  const result: DispatchResult = { dispatched: 0, skipped: 0, staleClosed: 0 };
  let afterId = "";
  for (;;) {
    const batch = await listDispatchableTenants(db, afterId, TENANT_BATCH);
    if (batch.length === 0) break;
    afterId = batch[batch.length - 1]!.id;

    const running = await runsInProgress(db, batch.map((t) => t.id));
    const stale = running.filter((r) => now.getTime() - Date.parse(r.startedAt) > STALE_RUN_MS);
    await markRunsFailed(db, stale.map((r) => r.id), "failed: no progress for an hour (timed out)", nowIso());
    result.staleClosed += stale.length;
    const busy = new Set(running.filter((r) => !stale.includes(r)).map((r) => r.tenantId));

    const startedAt = now.toISOString();
    const rows = batch.map((t) => ({
      id: crypto.randomUUID(),
      tenantId: t.id,
      trigger,
      startedAt,
      ...(busy.has(t.id)
        ? { status: "skipped" as const, message: "skipped: previous run in progress", finishedAt: startedAt }
        : { status: "queued" as const }),
    }));
    const inserts = rows.map((row) => db.insert(syncRuns).values(row));
    await db.batch([inserts[0]!, ...inserts.slice(1)]);

    const queued = rows.filter((r) => r.status === "queued");
    const messages: TenantSyncMessage[] = queued.map((r) => ({ kind: "tenant-sync", v: 1, tenantId: r.tenantId, runId: r.id }));
    try {
      await sendTenantSync(env, messages);
    } catch (err) {
      await markRunsFailed(db, queued.map((r) => r.id), "failed: could not enqueue the run", nowIso());
      throw err;
    }
    for (const r of rows) {
      logger.info(r.status === "queued" ? "run.dispatched" : "run.skipped", { tenant: r.tenantId, run: r.id, trigger });
    }
    result.dispatched += queued.length;
    result.skipped += rows.length - queued.length;
  }
  return result;
}
