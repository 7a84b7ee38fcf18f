import { createScheduledController, env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { connectwiseConnections, syncRuns, tenants } from "../../src/db/schema";
import { createConnectedTenant, sealCwSecrets } from "../factories/connections";
import { db } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";
import { syncTenantNow } from "../setup/sync";

useSandbox();

const setPrivateKey = async (tenantId: string, privateKey: string) =>
  db()
    .update(connectwiseConnections)
    .set({ secretsCiphertext: await sealCwSecrets(tenantId, privateKey) })
    .where(eq(connectwiseConnections.tenantId, tenantId));
const tenantRow = async (id: string) => (await db().select().from(tenants).where(eq(tenants.id, id)))[0]!;

describe("a tenant whose credentials are rejected", () => {
  it("is marked as needing attention with the fix, left alone by the schedule, and recovers once fixed", async () => {
    const tenant = await createConnectedTenant();
    await setPrivateKey(tenant.id, "revoked-key");

    const run = await syncTenantNow(tenant.id);
    expect(run.status).toBe("failed");
    expect(run.message).toMatch(/ConnectWise rejected psa-sync's credentials/);
    const flagged = await tenantRow(tenant.id);
    expect(flagged.attentionReason).toMatch(/Reconnect it under Settings/);
    expect(Date.parse(flagged.probeAfter!)).toBeGreaterThan(Date.now() + 25 * 60 * 1000);

    // The next scheduled tick does not hammer it.
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }), env);
    expect(await db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenant.id))).toHaveLength(1);

    // Fixed keys: the next run (here Sync now) gets through and clears the flag.
    await setPrivateKey(tenant.id, "acme-private-key");
    expect((await syncTenantNow(tenant.id)).status).toBe("completed");
    expect(await tenantRow(tenant.id)).toMatchObject({ attentionReason: null, probeAfter: null });
  });
});
