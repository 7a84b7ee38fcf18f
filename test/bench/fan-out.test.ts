import { env } from "cloudflare:test";
import { it } from "vitest";
import { dispatchTenantRuns } from "../../src/cron/dispatch";
import { createLogger } from "../../src/lib/log";
import { insertDispatchableTenants, uniqueId } from "../factories/tenants";
import { report } from "./bench-helpers";

it("fan-out: the cron dispatches 1,000 tenants", async () => {
  const tag = uniqueId("fan");
  const ids = Array.from({ length: 1000 }, (_, i) => `${tag}_${String(i).padStart(4, "0")}`);
  await insertDispatchableTenants(ids);
  let sends = 0;
  const queue = { send: async () => undefined, sendBatch: async () => void sends++ } as unknown as Queue;
  const started = performance.now();
  const result = await dispatchTenantRuns({ ...env, TENANT_SYNC_QUEUE: queue }, "cron", createLogger());
  // A bench that dispatches nothing measures nothing: fail rather than report 0 tenants.
  if (result.dispatched !== ids.length) throw new Error(`dispatched ${result.dispatched} of ${ids.length} tenants (skipped ${result.skipped})`);
  report("fan-out", { tenants: result.dispatched, ms: Math.round(performance.now() - started), sendBatchCalls: sends });
});
