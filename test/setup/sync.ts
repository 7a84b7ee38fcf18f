import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { startTenantRun } from "../../src/cron/dispatch";
import { syncRuns } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { db } from "../factories/tenants";
import { waitFor } from "./wait-for";

/** Starts a run of one tenant through the real queues and waits until it has ended. */
export async function syncTenantNow(tenantId: string, { timeoutMs = 20_000 } = {}) {
  const started = await startTenantRun(env, tenantId, "manual", createLogger({ test: true }));
  if (started.status !== "queued") throw new Error(`run not started: ${started.status}`);
  return waitFor(
    async () => {
      const run = await db().query.syncRuns.findFirst({ where: eq(syncRuns.id, started.id) });
      return run && run.status !== "queued" && run.status !== "running" ? run : undefined;
    },
    { timeoutMs, what: `run ${started.id} to end` },
  );
}
