import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, auditLog, syncRuns, tenants, users } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { createConnectedTenant } from "../factories/connections";
import { createTenant, createTicketLink, db } from "../factories/tenants";
import { createUser, ORIGIN, signIn } from "../setup/admin-client";
import { useSandbox } from "../setup/sandbox";

// Sync now needs a tenant whose setup is complete: connected to the sandbox.
useSandbox();

async function adminOf(tenantId: string) {
  const admin = await createUser("tenant_admin", tenantId);
  return signIn(admin.email, admin.password);
}

const api = (path: string, token: string, method = "GET") => SELF.fetch(`${ORIGIN}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } });

async function createToken(client: Awaited<ReturnType<typeof adminOf>>, tenantId: string, name: string, scope: "read" | "admin", expiresInDays?: string) {
  const res = await client.fetch(`/t/${tenantId}/tokens`, { form: { name, scope, ...(expiresInDays ? { expiresInDays } : {}) } });
  expect(res.status).toBe(200);
  const html = await res.text();
  const token = /data-secret="once">([^<]+)</.exec(html)?.[1];
  expect(token).toMatch(/^psa_[A-Za-z0-9_-]{43}$/);
  return { html, token: token! };
}

describe("API tokens", () => {
  it("shows a new token once, stores only its hash, and lists it", async () => {
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const { token } = await createToken(client, tenant.id, "deploy script", "read");
    const [row] = await db().select().from(apiTokens).where(eq(apiTokens.tenantId, tenant.id));
    expect(row!.tokenHash).toBe(await sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const list = await (await client.fetch(`/t/${tenant.id}/tokens`)).text();
    expect(list).toContain("deploy script");
    expect(list).not.toContain(token);
    expect(list).not.toContain(row!.tokenHash);
    expect((await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action)).toEqual(["token.created"]);
  });

  it("lets a token call the API as its tenant until it is revoked", async () => {
    const tenant = await createTenant({ paused: true });
    const client = await adminOf(tenant.id);
    const { token } = await createToken(client, tenant.id, "status check", "read");
    const status = await api("/status", token);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ paused: true, needsAttention: false, lastRun: null });
    // A read token cannot run tasks.
    expect((await api("/resume", token, "POST")).status).toBe(403);
    expect((await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!.paused).toBe(true);

    const [row] = await db().select().from(apiTokens).where(eq(apiTokens.tenantId, tenant.id));
    expect(row!.lastUsedAt).not.toBeNull();
    const revoked = await client.fetch(`/t/${tenant.id}/tokens/${row!.id}/revoke`, { form: {} });
    expect(revoked.status).toBe(303);
    expect((await api("/status", token)).status).toBe(401);
    const list = await (await client.fetch(`/t/${tenant.id}/tokens?done=revoked`)).text();
    expect(list).toContain("revoked");
    // Revoking twice is a clear 404, not a second audit entry.
    expect((await client.fetch(`/t/${tenant.id}/tokens/${row!.id}/revoke`, { form: {} })).status).toBe(404);
    expect((await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action)).toEqual(["token.created", "token.revoked"]);
  });

  it("refuses a nameless token or an unknown scope with field errors", async () => {
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const res = await client.fetch(`/t/${tenant.id}/tokens`, { form: { name: " ", scope: "root" } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('id="token-name-error"');
    expect(html).toContain('id="token-scope-error"');
    expect(await db().select().from(apiTokens).where(eq(apiTokens.tenantId, tenant.id))).toHaveLength(0);
  });
});

describe("API token lifetime", () => {
  const tokenRow = async (tenantId: string) => (await db().select().from(apiTokens).where(eq(apiTokens.tenantId, tenantId)))[0]!;

  it("expires a token on the date chosen at creation, and refuses it after", async () => {
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const { token } = await createToken(client, tenant.id, "short-lived", "read", "30");
    const row = await tokenRow(tenant.id);
    expect(Math.abs(Date.parse(row.expiresAt!) - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    expect((await api("/status", token)).status).toBe(200);
    expect(await (await client.fetch(`/t/${tenant.id}/tokens`)).text()).toContain("until");

    await db()
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where(eq(apiTokens.id, row.id));
    const refused = await api("/status", token);
    expect(refused.status).toBe(401);
    expect(await (await client.fetch(`/t/${tenant.id}/tokens`)).text()).toContain("expired");
  });

  it("keeps a token without expiry until revoked, and refuses an unknown expiry choice", async () => {
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const { token } = await createToken(client, tenant.id, "forever", "read", "never");
    expect((await tokenRow(tenant.id)).expiresAt).toBeNull();
    expect((await api("/status", token)).status).toBe(200);
    const bad = await client.fetch(`/t/${tenant.id}/tokens`, { form: { name: "odd", scope: "read", expiresInDays: "100000" } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('id="token-expiry-error"');
  });

  it("revokes the tokens of a user who is disabled, for good", async () => {
    const tenant = await createTenant();
    const creator = await createUser("tenant_admin", tenant.id);
    const { token } = await createToken(await signIn(creator.email, creator.password), tenant.id, "theirs", "admin");
    const boss = await adminOf(tenant.id);
    expect((await api("/status", token)).status).toBe(200);
    expect((await boss.fetch(`/t/${tenant.id}/users/${creator.id}/disable`, { form: {} })).status).toBe(303);
    expect((await api("/status", token)).status).toBe(401);
    expect((await tokenRow(tenant.id)).revokedAt).not.toBeNull();
    // Enabling the user again does not bring the token back.
    expect((await boss.fetch(`/t/${tenant.id}/users/${creator.id}/enable`, { form: {} })).status).toBe(303);
    expect((await api("/status", token)).status).toBe(401);
  });

  it("refuses a token whose creator is disabled by any other path", async () => {
    const tenant = await createTenant();
    const creator = await createUser("tenant_admin", tenant.id);
    const { token } = await createToken(await signIn(creator.email, creator.password), tenant.id, "theirs", "read");
    await db().update(users).set({ disabled: true }).where(eq(users.id, creator.id));
    expect((await api("/status", token)).status).toBe(401);
    expect((await tokenRow(tenant.id)).revokedAt).toBeNull();
  });
});

describe("tasks API", () => {
  it("syncs, resyncs, pauses and resumes with an admin token, with zod-checked params", async () => {
    const tenant = await createConnectedTenant();
    const client = await adminOf(tenant.id);
    const { token } = await createToken(client, tenant.id, "automation", "admin");

    const pause = await api("/pause", token, "POST");
    expect(pause.status).toBe(200);
    expect(await pause.json()).toMatchObject({ paused: true });
    const refused = await api("/sync", token, "POST");
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ status: 409, detail: expect.stringContaining("paused") });
    expect((await api("/resume", token, "POST")).status).toBe(200);

    const sync = await api("/sync", token, "POST");
    expect(sync.status).toBe(202);
    const body = (await sync.json()) as { runId: string; status: string };
    expect(body.status).toBe("queued");
    expect(await db().query.syncRuns.findFirst({ where: eq(syncRuns.id, body.runId) })).toMatchObject({ tenantId: tenant.id, trigger: "manual" });
    // The 202 says where to follow the run, and that address answers with the same token.
    expect(sync.headers.get("location")).toBe(`/api/v1/runs/${body.runId}`);
    const followed = await SELF.fetch(new URL(sync.headers.get("location")!, ORIGIN), { headers: { authorization: `Bearer ${token}` } });
    expect(followed.status).toBe(200);
    expect(await followed.json()).toMatchObject({ run: { id: body.runId, status: expect.any(String) } });

    const bad = await api("/tickets/abc/resync", token, "POST");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [{ path: "portalTicketId" }] });
    // A request id the tenant has not linked is checked against the portal: 123 is nobody's.
    const unknown = await api("/tickets/123/resync", token, "POST");
    expect(unknown.status).toBe(404);
    await createTicketLink(tenant.id, 123);
    const ok = await api("/tickets/123/resync", token, "POST");
    expect([200, 202]).toContain(ok.status);

    const status = (await (await api("/status", token)).json()) as { lastRun: { trigger: string } | null; paused: boolean };
    expect(status.paused).toBe(false);
    expect(status.lastRun?.trigger).toBe("manual");
  });

  it("documents its operations in the OpenAPI document", async () => {
    const doc = (await (await SELF.fetch(`${ORIGIN}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { "x-scope": string }>> };
    expect(doc.paths["/status"]?.get?.["x-scope"]).toBe("read");
    for (const p of ["/sync", "/pause", "/resume", "/tickets/{portalTicketId}/resync"]) expect(doc.paths[p]?.post?.["x-scope"]).toBe("admin");
  });
});
