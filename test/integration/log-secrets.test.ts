import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { wireDemoPush } from "../../src/dev/demo-push";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { captureLogs } from "../setup/logs";
import { routeFetchToSandbox, SANDBOX_ORIGIN, sandboxControl } from "../setup/sandbox";
import { customer } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

afterEach(() => vi.restoreAllMocks());

describe("logs never carry secrets", () => {
  it("a full sync, push wiring and failing calls log nothing secret", async () => {
    const logs = captureLogs({ quiet: true });
    routeFetchToSandbox();
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    await customer.createRequest({ subject: "Secret-free logs", body: "Body text that must not be logged either.", clusterId: "CZJ1234ABC" });
    await wireDemoPush(env, db(), tenant.id, SANDBOX_ORIGIN, "http://localhost");
    await syncTenantNow(tenant.id);
    // Failures log too: make ConnectWise refuse for a moment.
    await sandboxControl("/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api: "connectwise", rate: 1, kinds: ["503"] }),
    });
    await syncTenantNow(tenant.id).catch(() => undefined);
    await sandboxControl("/faults", { method: "DELETE" });

    expect(logs.count()).toBeGreaterThan(5);
    const all = logs.text();
    // Objects are checked as their JSON, not as "[object Object]".
    expect(all).toContain('"event":"ticket.synced"');
    const secrets = [
      "acme-private-key",
      "acme-portal-token",
      "acme-portal-pass",
      env.ENCRYPTION_KEY,
      env.PORTAL_OAUTH_CLIENT_SECRET,
      btoa("acme+acme-public-key:acme-private-key"),
      btoa("it@acme-msp.test/token:acme-portal-token"),
      "Body text that must not be logged",
    ];
    for (const secret of secrets) expect(all, `logs contain ${secret.slice(0, 6)}…`).not.toContain(secret);
  });
});
