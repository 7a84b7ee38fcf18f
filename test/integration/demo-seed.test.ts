import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { connectwiseConnections, portalConnections, priorityMappings, statusMappings, tenantSettings, tenants, users } from "../../src/db/schema";
import { routeFetchToSandbox } from "../setup/sandbox";
import { DEMO, seedDemo } from "../../src/dev/seed-demo";
import { verifyPassword } from "../../src/lib/crypto";
import { bindings, connectwiseSecrets, openSecret } from "../../src/lib/secret-binding";
import { db } from "../factories/tenants";

describe("demo seed (npm start)", () => {
  it("creates the demo tenant once; a second start changes nothing", async () => {
    const spy = routeFetchToSandbox();
    const first = await seedDemo(env);
    spy.mockRestore();
    expect(first.settings).toBe("applied");
    expect(first.created).toEqual(["tenant", "operator", "tenant admin", "portal connection", "ConnectWise connection", "settings"]);
    const down = vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("sandbox is not running"));
    const second = await seedDemo(env);
    down.mockRestore();
    expect(second.created).toEqual([]);
    expect(second.settings).toMatch(/^skipped: /); // seeding still succeeds without the sandbox
    const [settings] = await db().select().from(tenantSettings).where(eq(tenantSettings.tenantId, DEMO.tenant.id));
    expect(settings).toMatchObject({ boardName: "Easy Connect Support", defaultCompanyName: "Acme MSP Catch-All" });
    expect(await db().select().from(priorityMappings).where(eq(priorityMappings.tenantId, DEMO.tenant.id))).toHaveLength(5);
    expect(await db().select().from(statusMappings).where(eq(statusMappings.tenantId, DEMO.tenant.id))).toHaveLength(6);

    expect(await db().select().from(tenants).where(eq(tenants.name, "Acme MSP"))).toHaveLength(1);
    const admins = await db().select().from(users).where(eq(users.email, DEMO.tenantAdmin.email));
    expect(admins).toHaveLength(1);
    expect(await verifyPassword("acme-demo-pass", admins[0]!.passwordHash, env.PASSWORD_PEPPER)).toBe(true);
    const [operator] = await db().select().from(users).where(eq(users.email, "operator@demo.test"));
    expect(operator).toMatchObject({ role: "operator", tenantId: null });
    expect(await verifyPassword("operator-demo-pass", operator!.passwordHash, env.PASSWORD_PEPPER)).toBe(true);
  });

  it("stores the sandbox credentials encrypted, pointing at the local sandbox", async () => {
    const down = vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("sandbox is not running"));
    await seedDemo(env);
    down.mockRestore();
    const [cw] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, DEMO.tenant.id));
    expect(cw).toMatchObject({ site: "http://localhost:8788/cw", companyId: "acme", publicKey: "acme-public-key", clientId: "psa-sync-demo-client" });
    expect(JSON.stringify(cw)).not.toContain("acme-private-key");
    expect(await openSecret(env, cw!.secretsCiphertext, bindings.connectwiseSecrets(cw!.tenantId, cw!.site, cw!.companyId), connectwiseSecrets)).toEqual({
      privateKey: "acme-private-key",
    });
    const [portal] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, DEMO.tenant.id));
    expect(portal).toMatchObject({ authMode: "api_token", email: "it@acme-msp.test" });
    expect(JSON.stringify(portal)).not.toContain("acme-portal-token");
  });

  it("is not reachable unless DEMO_MODE is on", async () => {
    const res = await SELF.fetch("http://localhost/_dev/seed-demo", { method: "POST", headers: { origin: "http://localhost" } });
    expect(res.status).toBe(404);
  });
});
