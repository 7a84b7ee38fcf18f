import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, auditLog, tenantSettings, tenants, users } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { createTenant, db, uniqueId } from "../factories/tenants";
import { createUser, ORIGIN, signIn } from "../setup/admin-client";
import { linkPathIn, useLink } from "../setup/sign-in";

async function operator() {
  const op = await createUser("operator", null);
  return { op, client: await signIn(op.email, op.password) };
}

describe("operator tenants page", () => {
  it("lands operators on the tenant list", async () => {
    const { client } = await operator();
    expect((await client.fetch("/")).headers.get("location")).toBe("/operator/tenants");
    const tenant = await createTenant({ paused: true, attentionReason: "Reconnect the portal." });
    const html = await (await client.fetch("/operator/tenants")).text();
    expect(html).toContain(tenant.name);
    expect(html).toContain("Reconnect the portal.");
    expect(html).toContain(`href="/t/${tenant.id}"`);
  });

  it("registers a tenant with settings and a first admin whose one-time sign-in link is shown once", async () => {
    const { op, client } = await operator();
    const slug = uniqueId("contoso").replace(/_/g, "-");
    const email = `${slug}@contoso.test`;
    const res = await client.fetch("/operator/tenants", { form: { name: "Contoso IT", slug, adminEmail: email, adminName: "Connie Admin" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const path = linkPathIn(html);

    const tenant = (await db().select().from(tenants).where(eq(tenants.slug, slug)))[0]!;
    expect(tenant).toMatchObject({ name: "Contoso IT", status: "active", paused: false });
    expect(tenant.hookId).toMatch(/^[0-9a-f]{64}$/);
    expect(await db().select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenant.id))).toHaveLength(1);
    expect((await db().select().from(users).where(eq(users.tenantId, tenant.id)))[0]).toMatchObject({ email, role: "tenant_admin", mustChangePassword: true });
    expect((await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id)))[0]).toMatchObject({ action: "tenant.created", userId: op.id });
    expect(await (await client.fetch("/operator/tenants")).text()).not.toContain(path);

    const first = await useLink(path, "contoso admin passphrase");
    expect(first.status).toBe(303);
    const admin = await signIn(email, "contoso admin passphrase");
    expect((await admin.fetch("/")).headers.get("location")).toBe(`/t/${tenant.id}`);
  });

  it("refuses a taken slug or email, and a malformed slug, with field errors and no partial tenant", async () => {
    const { client } = await operator();
    const existing = await createTenant();
    const taken = await createUser("tenant_admin", existing.id);
    const before = (await db().select().from(tenants)).length;
    const dup = await client.fetch("/operator/tenants", {
      form: { name: "Dup", slug: existing.slug.replace(/_/g, "-"), adminEmail: taken.email, adminName: "X" },
    });
    expect([400, 409]).toContain(dup.status);
    const html = await dup.text();
    expect(html).toContain('id="admin-email-error"');
    const bad = await client.fetch("/operator/tenants", { form: { name: "", slug: "Not A Slug!", adminEmail: "nope", adminName: "" } });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    for (const id of ["tenant-name", "tenant-slug", "admin-email", "admin-name"]) expect(badHtml).toContain(`id="${id}-error"`);
    expect((await db().select().from(tenants)).length).toBe(before);
  });

  it("disables a tenant (its API tokens stop working) and enables it again", async () => {
    const { client } = await operator();
    const tenant = await createTenant();
    const token = "psa_operator_test_token_value_0123456789";
    await db()
      .insert(apiTokens)
      .values({ id: uniqueId("tok"), tenantId: tenant.id, name: "t", scope: "read", tokenHash: await sha256Hex(token) });
    const call = () => SELF.fetch(`${ORIGIN}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status).toBe(200);

    const res = await client.fetch(`/operator/tenants/${tenant.id}/disable`, { form: {} });
    expect(res.headers.get("location")).toBe("/operator/tenants?done=disabled");
    expect((await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!.status).toBe("disabled");
    expect((await call()).status).toBe(401);
    await client.fetch(`/operator/tenants/${tenant.id}/enable`, { form: {} });
    expect((await call()).status).toBe(200);
    expect((await client.fetch(`/operator/tenants/tnt_missing/disable`, { form: {} })).status).toBe(404);
  });

  it("is closed to tenant users, and read-only when an operator opens a tenant", async () => {
    const tenant = await createTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    expect((await client.fetch("/operator/tenants")).status).toBe(404);
    expect((await client.fetch("/operator/tenants", { form: { name: "X", slug: "x-evil", adminEmail: "x@evil.test", adminName: "X" } })).status).toBe(404);
    expect(await db().select().from(tenants).where(eq(tenants.slug, "x-evil"))).toHaveLength(0);

    const { client: op } = await operator();
    for (const path of ["tasks", "users", "tokens"]) {
      const html = await (await op.fetch(`/t/${tenant.id}/${path}`)).text();
      expect(html).toContain("read-only");
    }
    expect((await op.fetch(`/t/${tenant.id}/tokens`, { form: { name: "x", scope: "admin" } })).status).toBe(403);
  });
});
