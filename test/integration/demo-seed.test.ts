import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { connectwiseConnections, portalConnections, tenants, users } from "../../src/db/schema";
import { DEMO, seedDemo } from "../../src/dev/seed-demo";
import { decryptSecret, verifyPassword } from "../../src/lib/crypto";
import { db } from "../factories/tenants";

describe("demo seed (npm start)", () => {
  it("creates the demo tenant once; a second start changes nothing", async () => {
    const first = await seedDemo(env);
    expect(first.created).toEqual(["tenant", "operator", "tenant admin", "portal connection", "ConnectWise connection", "settings"]);
    const second = await seedDemo(env);
    expect(second.created).toEqual([]);

    expect(await db().select().from(tenants).where(eq(tenants.name, "Acme MSP"))).toHaveLength(1);
    const admins = await db().select().from(users).where(eq(users.email, DEMO.tenantAdmin.email));
    expect(admins).toHaveLength(1);
    expect(await verifyPassword("acme-demo-pass", admins[0]!.passwordHash)).toBe(true);
    const [operator] = await db().select().from(users).where(eq(users.email, "operator@demo.test"));
    expect(operator).toMatchObject({ role: "operator", tenantId: null });
    expect(await verifyPassword("operator-demo-pass", operator!.passwordHash)).toBe(true);
  });

  it("stores the sandbox credentials encrypted, pointing at the local sandbox", async () => {
    await seedDemo(env);
    const [cw] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, DEMO.tenant.id));
    expect(cw).toMatchObject({ site: "http://localhost:8788/cw", companyId: "acme", publicKey: "acme-public-key", clientId: "psa-sync-demo-client" });
    expect(JSON.stringify(cw)).not.toContain("acme-private-key");
    expect(await decryptSecret(env.ENCRYPTION_KEY, cw!.secretsCiphertext)).toEqual({ privateKey: "acme-private-key" });
    const [portal] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, DEMO.tenant.id));
    expect(portal).toMatchObject({ baseUrl: "http://localhost:8788/zendesk", authMode: "api_token", email: "it@acme-msp.test" });
    expect(JSON.stringify(portal)).not.toContain("acme-portal-token");
  });

  it("is not reachable unless DEMO_MODE is on", async () => {
    const res = await SELF.fetch("http://localhost/_dev/seed-demo", { method: "POST", headers: { origin: "http://localhost" } });
    expect(res.status).toBe(404);
  });
});
