import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { dispatchTenantRuns } from "../../src/cron/dispatch";
import { syncRuns } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { db, insertDispatchableTenants, uniqueId } from "../factories/tenants";

describe("cron dispatch at scale", () => {
  it("starts 1,000 tenants in batches: one run row and one message each, at most 100 messages per send", async () => {
    const tag = uniqueId("scale");
    const ids = Array.from({ length: 1000 }, (_, i) => `${tag}_${String(i).padStart(4, "0")}`);
    await insertDispatchableTenants(ids);
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
