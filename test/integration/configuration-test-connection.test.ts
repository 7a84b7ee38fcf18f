import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { readTestResult } from "../../src/db/queries/configuration";
import { auditLog, connectwiseConnections, tenantSettings } from "../../src/db/schema";
import { createConnectedTenant, sealCwSecrets } from "../factories/connections";
import { db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { routeFetchToSandbox, SANDBOX_ORIGIN, sandboxControl } from "../setup/sandbox";

let fetchSpy: MockInstance;
beforeEach(() => {
  fetchSpy = routeFetchToSandbox();
});
afterEach(async () => {
  fetchSpy.mockRestore();
  await env.SANDBOX.fetch(new Request(`${SANDBOX_ORIGIN}/_sandbox/faults`, { method: "DELETE" }));
});

async function connectedAdmin() {
  const tenant = await createConnectedTenant();
  const admin = await createUser("tenant_admin", tenant.id);
  return { tenant, client: await signIn(admin.email, admin.password) };
}

async function lastResult(tenantId: string) {
  const [row] = await db().select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId));
  const result = readTestResult(row ?? null);
  if (!result) throw new Error("no stored test result");
  return result;
}

describe("Test connection", () => {
  it("passes every check against the sandbox, stores and audits the result", async () => {
    const { tenant, client } = await connectedAdmin();
    const res = await client.fetch(`/t/${tenant.id}/onboarding/test`, { form: {} });
    expect(res.status).toBe(303);
    const result = await lastResult(tenant.id);
    expect(result.lines.filter((l) => !l.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    const checks = result.lines.map((l) => l.check);
    for (const c of [
      "Authentication",
      "End user",
      "Read requests",
      "ClusterID field",
      "Reachable, codebase",
      "Service tickets (read)",
      "Company configurations",
      "Companies",
      "Priorities",
      "Boards",
      "Board statuses",
      "Callbacks",
    ]) {
      expect(checks).toContain(c);
    }
    const page = await (await client.fetch(`/t/${tenant.id}/onboarding?saved=test`)).text();
    expect(page).toContain("All checks passed");
    expect(page).toContain("codebase v4_6_release/");
    expect(page).not.toContain("acme-private-key");
    expect(page).not.toContain("acme-portal-token");
    const actions = (await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action);
    expect(actions).toContain("connection.tested");
  });

  it("creates a test ticket on the board and closes it", async () => {
    const { tenant, client } = await connectedAdmin();
    await client.fetch(`/t/${tenant.id}/onboarding/test`, { form: { testTicket: "on" } });
    const result = await lastResult(tenant.id);
    expect(result.ok).toBe(true);
    expect(result.testTicketId).toBeGreaterThan(0);
    const auth = `Basic ${btoa("acme+acme-public-key:acme-private-key")}`;
    const ticket = await env.SANDBOX.fetch(
      new Request(`${SANDBOX_ORIGIN}/cw/v4_6_release/apis/3.0/service/tickets/${result.testTicketId}`, {
        headers: { authorization: auth, clientId: "psa-sync-demo-client" },
      }),
    );
    const body = (await ticket.json()) as { closedFlag: boolean; summary: string };
    expect(body.summary).toContain("psa-sync test ticket");
    expect(body.closedFlag).toBe(true);
    expect(await (await client.fetch(`/t/${tenant.id}/onboarding`)).text()).toContain(`test ticket #${result.testTicketId}`);
  });

  it("says in plain words that ConnectWise refused a wrong private key", async () => {
    const { tenant, client } = await connectedAdmin();
    await db()
      .update(connectwiseConnections)
      .set({ secretsCiphertext: await sealCwSecrets(tenant.id, "wrong-private-key-7731") })
      .where(eq(connectwiseConnections.tenantId, tenant.id));
    await client.fetch(`/t/${tenant.id}/onboarding/test`, { form: {} });
    const result = await lastResult(tenant.id);
    expect(result.ok).toBe(false);
    const auth = result.lines.find((l) => l.side === "connectwise" && l.check === "Authentication");
    expect(auth).toMatchObject({ ok: false, detail: "ConnectWise refused the API keys (HTTP 401)." });
    expect(auth!.fix).toContain("Rotate credentials");
    const page = await (await client.fetch(`/t/${tenant.id}/onboarding`)).text();
    expect(page).toContain("ConnectWise refused the API keys");
    expect(page).not.toContain("wrong-private-key-7731");
  });

  it("names a missing permission (403 on callbacks) and its fix", async () => {
    const { tenant, client } = await connectedAdmin();
    const toSandbox = fetchSpy.getMockImplementation()!;
    fetchSpy.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new Request(input, init).url;
      if (url.includes("/system/callbacks")) {
        return Response.json({ code: "Unauthorized", message: "You do not have permission to access this record.", errors: null }, { status: 403 });
      }
      return toSandbox(input, init);
    });
    await client.fetch(`/t/${tenant.id}/onboarding/test`, { form: {} });
    const result = await lastResult(tenant.id);
    const callbacks = result.lines.find((l) => l.check === "Callbacks");
    expect(callbacks).toMatchObject({ ok: false, detail: "missing permission: callbacks" });
    expect(callbacks!.fix).toContain("security role");
    expect(result.lines.find((l) => l.check === "Companies")?.ok).toBe(true);
    expect(await (await client.fetch(`/t/${tenant.id}/onboarding`)).text()).toContain("missing permission: callbacks");
  });

  it("reports an entity it could not check when ConnectWise fails (sandbox fault rule)", async () => {
    const { tenant, client } = await connectedAdmin();
    await sandboxControl("/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api: "connectwise", rate: 1, kinds: ["503"], pathContains: "/system/callbacks" }),
    });
    await client.fetch(`/t/${tenant.id}/onboarding/test`, { form: {} });
    const callbacks = (await lastResult(tenant.id)).lines.find((l) => l.check === "Callbacks");
    expect(callbacks?.ok).toBe(false);
    expect(callbacks?.detail).toContain("Could not check");
  });
});
