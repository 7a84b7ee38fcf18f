import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { loadConfiguration } from "../../src/db/queries/configuration";
import { apiTokens, auditLog } from "../../src/db/schema";
import { randomToken, sha256Hex } from "../../src/lib/crypto";
import { createConnectedTenant } from "../factories/connections";
import { db, uniqueId } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { routeFetchToSandbox, SANDBOX_ORIGIN } from "../setup/sandbox";

let fetchSpy: MockInstance;
beforeEach(() => {
  fetchSpy = routeFetchToSandbox();
});
afterEach(() => fetchSpy.mockRestore());

const CW_BODY = {
  site: `${SANDBOX_ORIGIN}/cw`,
  companyId: "acme",
  publicKey: "acme-public-key",
  privateKey: "acme-private-key",
  clientId: "psa-sync-demo-client",
};
const SECRETS = ["acme-private-key", "acme-portal-token"];

const POSTS: [string, Record<string, string>][] = [
  ["/onboarding/portal/oauth", {}],
  ["/onboarding/portal/token", { email: "it@acme-msp.test", apiToken: "acme-portal-token" }],
  ["/onboarding/connectwise", CW_BODY],
  ["/onboarding/test", {}],
  ["/settings", { boardId: "1", defaultCompanyId: "1" }],
];

async function snapshot(tenantId: string) {
  const c = await loadConfiguration(db(), tenantId);
  const audits = await db().select().from(auditLog).where(eq(auditLog.tenantId, tenantId));
  return JSON.stringify({ c, audits: audits.length });
}

async function apiToken(tenantId: string, scope: "read" | "admin") {
  const token = randomToken(24);
  await db()
    .insert(apiTokens)
    .values({ id: uniqueId("tok"), tenantId, name: "test", tokenHash: await sha256Hex(token), scope });
  return (path: string, init: { method?: string; body?: unknown } = {}) =>
    SELF.fetch(`http://localhost/api/v1${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
}

describe("configuration pages: roles, CSRF, tenant isolation", () => {
  it("gives a viewer 403 on every POST and changes nothing", async () => {
    const tenant = await createConnectedTenant();
    const viewer = await createUser("tenant_viewer", tenant.id);
    const client = await signIn(viewer.email, viewer.password);
    const before = await snapshot(tenant.id);
    expect((await client.fetch(`/t/${tenant.id}/onboarding`)).status).toBe(200);
    expect((await client.fetch(`/t/${tenant.id}/settings`)).status).toBe(200);
    for (const [path, form] of POSTS) expect((await client.fetch(`/t/${tenant.id}${path}`, { form })).status, path).toBe(403);
    expect((await client.fetch(`/t/${tenant.id}/onboarding/portal/callback?code=x&state=y`)).status).toBe(403);
    expect(await snapshot(tenant.id)).toBe(before);
  });

  it("refuses a POST without the CSRF token", async () => {
    const tenant = await createConnectedTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    const before = await snapshot(tenant.id);
    for (const [path, form] of POSTS) expect((await client.fetch(`/t/${tenant.id}${path}`, { form, csrf: false })).status, path).toBe(403);
    expect(await snapshot(tenant.id)).toBe(before);
  });

  it("answers 404 when tenant A's admin posts to tenant B", async () => {
    const a = await createConnectedTenant();
    const b = await createConnectedTenant();
    const admin = await createUser("tenant_admin", a.id);
    const client = await signIn(admin.email, admin.password);
    const before = await snapshot(b.id);
    expect((await client.fetch(`/t/${b.id}/onboarding`)).status).toBe(404);
    expect((await client.fetch(`/t/${b.id}/settings`)).status).toBe(404);
    for (const [path, form] of POSTS) expect((await client.fetch(`/t/${b.id}${path}`, { form })).status, path).toBe(404);
    expect(await snapshot(b.id)).toBe(before);
  });

  it("never renders a secret on the configuration pages", async () => {
    const tenant = await createConnectedTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    await client.fetch(`/t/${tenant.id}/onboarding/test`, { form: {} });
    for (const path of ["/onboarding", "/settings"]) {
      const html = await (await client.fetch(`/t/${tenant.id}${path}`)).text();
      for (const s of SECRETS) expect(html, path).not.toContain(s);
    }
  });
});

describe("/api/v1 configuration", () => {
  it("returns connections without secrets and scopes everything to the token's tenant", async () => {
    const a = await createConnectedTenant();
    const b = await createConnectedTenant();
    const api = await apiToken(a.id, "admin");
    const bBefore = await snapshot(b.id);
    const responses: string[] = [];
    for (const path of ["/connections/portal", "/connections/connectwise", "/settings", "/mappings"]) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      responses.push(await res.text());
    }
    expect(JSON.parse(responses[0]!)).toMatchObject({ configured: true, authMode: "api_token", email: "it@acme-msp.test" });
    expect(JSON.parse(responses[1]!)).toMatchObject({ configured: true, companyId: "acme", codebase: "v4_6_release/", privateKeySaved: true });
    expect(JSON.parse(responses[3]!).statuses.solved).toMatchObject({ closed: true });

    const put = await api("/connections/connectwise", { method: "PUT", body: CW_BODY });
    expect(put.status).toBe(200);
    responses.push(await put.text());
    const test = await api("/connections/test", { method: "POST", body: { testTicket: false } });
    expect(test.status).toBe(200);
    const result = (await test.json()) as { ok: boolean };
    expect(result.ok).toBe(true);
    responses.push(JSON.stringify(result));
    for (const body of responses) for (const s of SECRETS) expect(body).not.toContain(s);
    expect(await snapshot(b.id)).toBe(bBefore);
  });

  it("saves mappings with field-level problems for unmapped or open-for-solved values, writing nothing", async () => {
    const tenant = await createConnectedTenant();
    const api = await apiToken(tenant.id, "admin");
    const current = (await (await api("/mappings")).json()) as { priorities: Record<string, { id: number }>; statuses: Record<string, { id: number }> };
    const priorities = Object.fromEntries(Object.entries(current.priorities).map(([k, v]) => [k, v.id]));
    const statuses = Object.fromEntries(Object.entries(current.statuses).map(([k, v]) => [k, v.id]));
    const before = await snapshot(tenant.id);

    const missing = await api("/mappings", { method: "PUT", body: { priorities: { ...priorities, none: undefined }, statuses } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain("priorities.none");

    const openForSolved = await api("/mappings", { method: "PUT", body: { priorities, statuses: { ...statuses, solved: statuses.open } } });
    expect(openForSolved.status).toBe(400);
    const problem = (await openForSolved.json()) as { errors: { path: string; message: string }[] };
    expect(problem.errors).toEqual([{ path: "statuses.solved", message: expect.stringContaining("closed status") }]);
    expect(await snapshot(tenant.id)).toBe(before);

    const ok = await api("/mappings", { method: "PUT", body: { priorities: { ...priorities, low: priorities.urgent }, statuses } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { changes: string[] }).changes).toEqual(["Priority low: Priority 4 - Schedule Maintenance → Priority 1 - Emergency Response"]);
  });

  it("needs an admin-scoped token for every write", async () => {
    const tenant = await createConnectedTenant();
    const api = await apiToken(tenant.id, "read");
    const before = await snapshot(tenant.id);
    for (const [method, path] of [
      ["PUT", "/connections/portal"],
      ["PUT", "/connections/connectwise"],
      ["POST", "/connections/test"],
      ["PUT", "/settings"],
      ["PUT", "/mappings"],
    ] as const) {
      expect((await api(path, { method, body: {} })).status, path).toBe(403);
    }
    expect(await snapshot(tenant.id)).toBe(before);
  });

  it("lists the configuration operations in the OpenAPI document", async () => {
    const doc = (await (await SELF.fetch("http://localhost/api/v1/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths["/mappings"]!)).toEqual(expect.arrayContaining(["get", "put"]));
    expect(doc.paths["/connections/test"]!.post).toBeDefined();
  });
});
