import { env } from "cloudflare:test";
import { it } from "vitest";
import { dispatchTenantRuns } from "../../src/cron/dispatch";
import { connectwiseConnections, portalConnections, priorityMappings, statusMappings, tenants, tenantSettings } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { MAPPED_PRIORITIES, MAPPED_STATUSES } from "../../src/sync/setup";
import { db, uniqueId } from "../factories/tenants";
import { report } from "./bench-helpers";

/** A tenant the cron dispatches: both connections, board, catch-all company and every mapping (dispatch skips an incomplete setup). */
function dispatchableTenant(id: string) {
  return [
    db().insert(tenants).values({ id, name: id, slug: id, hookId: `h_${id}` }),
    db().insert(portalConnections).values({ tenantId: id, authMode: "api_token", secretsCiphertext: "x" }),
    db().insert(connectwiseConnections).values({ tenantId: id, site: "http://localhost:1", companyId: "c", publicKey: "p", clientId: "k", secretsCiphertext: "x" }),
    db().insert(tenantSettings).values({ tenantId: id, boardId: 1, defaultCompanyId: 1 }),
    db().insert(priorityMappings).values(MAPPED_PRIORITIES.map((portalValue) => ({ tenantId: id, portalValue, cwPriorityId: 1, cwPriorityName: "p" }))),
    db().insert(statusMappings).values(MAPPED_STATUSES.map((portalValue) => ({ tenantId: id, portalValue, cwStatusId: 1, cwStatusName: "s" }))),
  ];
}

it("fan-out: the cron dispatches 1,000 tenants", async () => {
  const tag = uniqueId("fan");
  const ids = Array.from({ length: 1000 }, (_, i) => `${tag}_${String(i).padStart(4, "0")}`);
  for (let i = 0; i < ids.length; i += 50) {
    const [first, ...rest] = ids.slice(i, i + 50).flatMap(dispatchableTenant);
    await db().batch([first!, ...rest]);
  }
  let sends = 0;
  const queue = { send: async () => undefined, sendBatch: async () => void sends++ } as unknown as Queue;
  const started = performance.now();
  const result = await dispatchTenantRuns({ ...env, TENANT_SYNC_QUEUE: queue }, "cron", createLogger());
  // A bench that dispatches nothing measures nothing: fail rather than report 0 tenants.
  if (result.dispatched !== ids.length) throw new Error(`dispatched ${result.dispatched} of ${ids.length} tenants (skipped ${result.skipped})`);
  report("fan-out", { tenants: result.dispatched, ms: Math.round(performance.now() - started), sendBatchCalls: sends });
});
