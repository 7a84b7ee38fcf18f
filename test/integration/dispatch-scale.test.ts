import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { dispatchTenantRuns } from "../../src/cron/dispatch";
import { connectwiseConnections, portalConnections, priorityMappings, statusMappings, syncRuns, tenantSettings, tenants } from "../../src/db/schema";
import { MAPPED_PRIORITIES, MAPPED_STATUSES } from "../../src/sync/setup";
import { createLogger } from "../../src/lib/log";
import { db, uniqueId } from "../factories/tenants";

describe("cron dispatch at scale", () => {
  it("starts 1,000 tenants in batches: one run row and one message each, at most 100 messages per send", async () => {
    const tag = uniqueId("scale");
    const ids = Array.from({ length: 1000 }, (_, i) => `${tag}_${String(i).padStart(4, "0")}`);
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      // A few statements per tenant, each within D1's 100 bound values; setup complete, so each is dispatched.
      const [first, ...rest] = chunk.flatMap((id) => [
        db().insert(tenants).values({ id, name: id, slug: id, hookId: `h_${id}` }),
        db().insert(portalConnections).values({ tenantId: id, authMode: "api_token", secretsCiphertext: "x" }),
        db().insert(connectwiseConnections).values({ tenantId: id, site: "http://localhost:1", companyId: "c", publicKey: "p", clientId: "k", secretsCiphertext: "x" }),
        db().insert(tenantSettings).values({ tenantId: id, boardId: 1, defaultCompanyId: 1 }),
        db().insert(priorityMappings).values(MAPPED_PRIORITIES.map((portalValue) => ({ tenantId: id, portalValue, cwPriorityId: 1, cwPriorityName: "P" }))),
        db().insert(statusMappings).values(MAPPED_STATUSES.map((portalValue) => ({ tenantId: id, portalValue, cwStatusId: 1, cwStatusName: "S" }))),
      ]);
      await db().batch([first!, ...rest]);
    }
    // The real queue would start 1,000 runs against nothing: record what would be sent instead.
    const sends: number[] = [];
    const bodies: { tenantId: string }[] = [];
    const recorder = {
      send: async () => undefined,
      sendBatch: async (messages: Iterable<MessageSendRequest<{ tenantId: string }>>) => {
        const list = [...messages];
        sends.push(list.length);
        bodies.push(...list.map((m) => m.body));
      },
    } as unknown as Queue;

    const result = await dispatchTenantRuns({ ...env, TENANT_SYNC_QUEUE: recorder }, "cron", createLogger());

    const ours = bodies.filter((b) => b.tenantId.startsWith(tag));
    expect(ours).toHaveLength(1000);
    expect(new Set(ours.map((b) => b.tenantId)).size).toBe(1000);
    expect(Math.max(...sends)).toBeLessThanOrEqual(100);
    expect(result.dispatched).toBeGreaterThanOrEqual(1000);
    const runs = await db().select({ tenantId: syncRuns.tenantId, status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.trigger, "cron"));
    expect(runs.filter((r) => r.tenantId.startsWith(tag) && r.status === "queued")).toHaveLength(1000);
  });
});
