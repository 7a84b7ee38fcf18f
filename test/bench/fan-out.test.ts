import { env } from "cloudflare:test";
import { it } from "vitest";
import { dispatchTenantRuns } from "../../src/cron/dispatch";
import { connectwiseConnections, portalConnections, tenants } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { db, uniqueId } from "../factories/tenants";
import { report } from "./bench-helpers";

it("fan-out: the cron dispatches 1,000 tenants", async () => {
  const tag = uniqueId("fan");
  const ids = Array.from({ length: 1000 }, (_, i) => `${tag}_${String(i).padStart(4, "0")}`);
  for (let i = 0; i < ids.length; i += 50) {
    const [first, ...rest] = ids.slice(i, i + 50).flatMap((id) => [
      db().insert(tenants).values({ id, name: id, slug: id, hookId: `h_${id}` }),
      db().insert(portalConnections).values({ tenantId: id, authMode: "api_token", secretsCiphertext: "x" }),
      db().insert(connectwiseConnections).values({ tenantId: id, site: "http://localhost:1", companyId: "c", publicKey: "p", clientId: "k", secretsCiphertext: "x" }),
    ]);
    await db().batch([first!, ...rest]);
  }
  let sends = 0;
  const queue = { send: async () => undefined, sendBatch: async () => void sends++ } as unknown as Queue;
  const started = performance.now();
  const result = await dispatchTenantRuns({ ...env, TENANT_SYNC_QUEUE: queue }, "cron", createLogger());
  report("fan-out", { tenants: result.dispatched, ms: Math.round(performance.now() - started), sendBatchCalls: sends });
});
