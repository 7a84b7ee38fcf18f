import { createMessageBatch, env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { BOARD_CHECK_EVERY_MS } from "../../src/queues/tenant-sync";
import { apiTokens, connectwiseConnections, statusMappings, syncRuns, tenantSettings, tenants } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { createConnectedTenant, sealCwSecrets } from "../factories/connections";
import { db, uniqueId } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { SANDBOX_ORIGIN } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

const ALERT_URL = "https://alerts.example/hook";
let alerts: string[] = [];

beforeEach(() => {
  alerts = [];
  // The sandbox for the APIs, a recorder for the alert webhook; nothing else may leave.
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url === ALERT_URL) {
      alerts.push(((await request.json()) as { text: string }).text);
      return new Response("1");
    }
    if (new URL(request.url).origin === SANDBOX_ORIGIN) return env.SANDBOX.fetch(request);
    throw new Error(`Unexpected outbound request: ${request.url}`);
  });
});
afterEach(() => vi.restoreAllMocks());

const setPrivateKey = async (tenantId: string, privateKey: string) =>
  db()
    .update(connectwiseConnections)
    .set({ secretsCiphertext: await sealCwSecrets(tenantId, privateKey) })
    .where(eq(connectwiseConnections.tenantId, tenantId));

describe("silent stops are announced once, and so is the recovery", () => {
  it("rejected credentials: one alert however many runs fail, one when fixed", async () => {
    const tenant = await createConnectedTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    const bad = await client.fetch(`/t/${tenant.id}/tasks/alerts`, { form: { alertWebhookUrl: "ftp://nope" } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("only https addresses are allowed");
    const saved = await client.fetch(`/t/${tenant.id}/tasks/alerts`, { form: { alertWebhookUrl: ALERT_URL } });
    expect(saved.headers.get("location")).toBe(`/t/${tenant.id}/tasks?done=alerts-saved`);

    await setPrivateKey(tenant.id, "revoked-key");
    await syncTenantNow(tenant.id);
    await syncTenantNow(tenant.id);
    expect(alerts).toEqual([expect.stringMatching(/needs attention\. ConnectWise rejected psa-sync's credentials/)]);

    await setPrivateKey(tenant.id, "acme-private-key");
    await syncTenantNow(tenant.id);
    await syncTenantNow(tenant.id);
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatch(/is syncing again/);
  });

  it("a board status deleted in ConnectWise: flagged by the next hourly board check, in the dashboard and API, announced once, recovers when remapped", async () => {
    const tenant = await createConnectedTenant();
    await db().update(tenants).set({ alertWebhookUrl: ALERT_URL }).where(eq(tenants.id, tenant.id));
    const token = `psa_${uniqueId("status_check")}_0123456789abcdef`;
    await db()
      .insert(apiTokens)
      .values({ id: uniqueId("tok"), tenantId: tenant.id, name: "t", scope: "read", tokenHash: await sha256Hex(token) });
    const apiStatus = async () =>
      (await (await SELF.fetch("http://localhost/api/v1/status", { headers: { authorization: `Bearer ${token}` } })).json()) as {
        needsAttention: boolean;
        attentionReason: string | null;
      };
    const [settings] = await db().select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenant.id));
    const boardId = settings!.boardId!;
    // The tenant's "hold" maps to a status of its own, so deleting it disturbs no other test.
    const [hold] = await db()
      .select()
      .from(statusMappings)
      .where(and(eq(statusMappings.tenantId, tenant.id), eq(statusMappings.portalValue, "hold")));
    const doomed = await technician.addBoardStatus(boardId, `Parked ${tenant.id}`);
    const remap = (id: number, name: string) =>
      db()
        .update(statusMappings)
        .set({ cwStatusId: id, cwStatusName: name })
        .where(and(eq(statusMappings.tenantId, tenant.id), eq(statusMappings.portalValue, "hold")));
    await remap(doomed.id, `Parked ${tenant.id}`);
    await syncTenantNow(tenant.id);
    expect((await apiStatus()).needsAttention).toBe(false);

    await technician.deleteBoardStatus(boardId, doomed.id);
    // Within the hour the board is not read again (no ticket write was refused).
    await syncTenantNow(tenant.id);
    expect((await apiStatus()).needsAttention).toBe(false);
    // An hour after the last check, the run reads it.
    await db()
      .update(tenantSettings)
      .set({ boardCheckedAt: new Date(Date.now() - BOARD_CHECK_EVERY_MS).toISOString() })
      .where(eq(tenantSettings.tenantId, tenant.id));
    await syncTenantNow(tenant.id);
    const status = await apiStatus();
    expect(status.needsAttention).toBe(true);
    expect(status.attentionReason).toContain(`"hold" → "Parked ${tenant.id}" (deleted)`);
    expect(status.attentionReason).toContain("Advanced Settings");
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    expect(await (await client.fetch(`/t/${tenant.id}`)).text()).toContain(`Parked ${tenant.id}`);
    // Scheduled runs keep going (other tickets still sync), and the alert is not repeated.
    expect((await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!.probeAfter).toBeNull();
    await syncTenantNow(tenant.id);
    expect(alerts).toEqual([expect.stringMatching(/needs attention\. ConnectWise board statuses used by the status mapping were deleted/)]);

    await remap(hold!.cwStatusId, hold!.cwStatusName);
    await syncTenantNow(tenant.id);
    expect((await apiStatus()).needsAttention).toBe(false);
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatch(/is syncing again/);
  });

  it("runs that keep failing flag the tenant with the reason", async () => {
    const tenant = await createConnectedTenant();
    await db().update(tenants).set({ alertWebhookUrl: ALERT_URL }).where(eq(tenants.id, tenant.id));
    const past = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    await db()
      .insert(syncRuns)
      .values([
        {
          id: uniqueId("run"),
          tenantId: tenant.id,
          trigger: "cron",
          status: "failed",
          message: "failed: upstream down",
          startedAt: past(15),
          finishedAt: past(14),
        },
        {
          id: uniqueId("run"),
          tenantId: tenant.id,
          trigger: "cron",
          status: "failed",
          message: "failed: upstream down",
          startedAt: past(10),
          finishedAt: past(9),
        },
      ]);
    const runId = uniqueId("run");
    await db()
      .insert(syncRuns)
      .values({ id: runId, tenantId: tenant.id, trigger: "cron", status: "running", startedAt: past(5) });
    const batch = createMessageBatch("tenant-sync-dlq", [
      { id: uniqueId("m"), timestamp: new Date(), attempts: 6, body: { kind: "tenant-sync", v: 1, tenantId: tenant.id, runId } },
    ]);
    await worker.queue(batch, env);

    const [row] = await db().select().from(tenants).where(eq(tenants.id, tenant.id));
    expect(row!.attentionReason).toMatch(/The last 3 runs failed/);
    expect(row!.probeAfter).toBeNull(); // not an API that must be left alone: runs keep trying
    expect(alerts).toEqual([expect.stringMatching(/The last 3 runs failed/)]);
  });
});
