import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, connectwiseConnections, portalConnections, tenantSettings } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { bindings, sealSecret } from "../../src/lib/secret-binding";
import { PORTAL_BASE } from "../factories/connections";
import { createTenant, createTicketLink, db, uniqueId } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";

const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

async function adminToken(tenantId: string) {
  const token = `psa_${uniqueId("tok").replace(/[^A-Za-z0-9]/g, "")}${"x".repeat(24)}`;
  await db()
    .insert(apiTokens)
    .values({ id: uniqueId("t"), tenantId, name: "t", tokenHash: await sha256Hex(token), scope: "admin" });
  return token;
}

describe("hostile input", () => {
  it("renders HTML and script in ticket text escaped on every page that shows it", async () => {
    const tenant = await createTenant();
    await createTicketLink(tenant.id, 4242, {
      summary: `Printer ${XSS}`,
      state: "warning",
      warnings: [{ code: "unmatched_cluster", message: `ClusterID "${XSS}" matches nothing` }],
    });
    const user = await createUser("tenant_viewer", tenant.id);
    const client = await signIn(user.email, user.password);
    for (const path of [`/t/${tenant.id}`, `/t/${tenant.id}/tickets`, `/t/${tenant.id}/tickets/4242`]) {
      const html = await (await client.fetch(path)).text();
      expect(html, path).not.toContain("<script>alert");
      expect(html, path).not.toContain("<img src=x");
      expect(html, path).toContain("&lt;script&gt;");
    }
  });

  it("API bodies: malformed, oversized, deeply nested and wrongly typed are refused, and nothing is written", async () => {
    const tenant = await createTenant();
    await db().insert(tenantSettings).values({ tenantId: tenant.id, matchField: "serialNumber" });
    const token = await adminToken(tenant.id);
    const put = (body: string) =>
      SELF.fetch("http://localhost/api/v1/settings", {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });

    const malformed = await put('{"boardId": 1,');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ title: "Malformed JSON" });
    expect((await put(JSON.stringify({ pad: "x".repeat(70_000) }))).status).toBe(413);
    expect((await put("[".repeat(5000) + "]".repeat(5000))).status).toBe(400);
    const wrong = await put(JSON.stringify({ boardId: "one", defaultCompanyId: { id: 1 }, matchField: "colour", syncFrom: "yesterday-ish" }));
    expect(wrong.status).toBe(400);
    const problem = (await wrong.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(expect.arrayContaining(["boardId", "matchField", "syncFrom"]));
    const [row] = await db().select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenant.id));
    expect(row).toMatchObject({ boardId: null, defaultCompanyId: null, matchField: "serialNumber", syncFrom: null });
  });

  it("webhook endpoints refuse oversized and truncated bodies before anything else", async () => {
    const tenant = await createTenant();
    await db().batch([
      db()
        .insert(connectwiseConnections)
        .values({ tenantId: tenant.id, site: "https://api-na.myconnectwise.net", companyId: "c", publicKey: "p", clientId: "k", secretsCiphertext: "x" }),
      db()
        .insert(portalConnections)
        .values({
          tenantId: tenant.id,
          authMode: "api_token",
          secretsCiphertext: "x",
          webhookSecretCiphertext: await sealSecret(env, "s3cret", bindings.portalWebhookSecret(tenant.id, PORTAL_BASE)),
        }),
    ]);
    const big = await SELF.fetch(`http://localhost/hooks/connectwise/${tenant.hookId}`, { method: "POST", body: "x".repeat(300_000) });
    expect(big.status).toBe(413);
    const cut = await SELF.fetch(`http://localhost/hooks/connectwise/${tenant.hookId}`, { method: "POST", body: '{"MessageId":"1","Action":"upd' });
    expect(cut.status).toBe(400);
    // The portal checks the signature before parsing: a truncated body cannot be signed correctly.
    const portal = await SELF.fetch(`http://localhost/hooks/portal/${tenant.hookId}`, {
      method: "POST",
      headers: { "x-zendesk-webhook-signature": "AAAA", "x-zendesk-webhook-signature-timestamp": new Date().toISOString() },
      body: '{"type":"zen:event-type:ticket.cre',
    });
    expect(portal.status).toBe(401);
  });
});
