import { env, runInDurableObject, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { raiseAttention } from "../../src/alerts/attention";
import { callBudgetStub } from "../../src/jobs/stubs";
import { egressFetch } from "../../src/egress/fetch";
import { auditLog, connectwiseConnections, portalConnections, tenants } from "../../src/db/schema";
import { randomToken, sha256Hex } from "../../src/lib/crypto";
import { apiTokens } from "../../src/db/schema";
import { createConnectedTenant, openCwSecrets, sealCwSecrets } from "../factories/connections";
import { createTenant, db, uniqueId } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { SANDBOX_ORIGIN } from "../setup/sandbox";

/**
 * The attacks of a hostile tenant admin on the platform's secrets (docs/security.md, findings 1–3
 * of the security review): each is performed against the running Worker, and the test
 * counts what reached any host but the sandbox. An "attacker" host records what it gets;
 * a fake ConnectWise cloud host redirects there, or answers with hostile error text.
 */
const ATTACKER = "https://attacker.example";
const CLOUD_REDIRECTING = "https://api-eu.myconnectwise.net";
const CLOUD_HOSTILE = "https://api-au.myconnectwise.net";

interface Seen {
  url: string;
  headers: Record<string, string>;
  body: string;
}
let outside: Seen[] = [];
let toSandbox: Seen[] = [];

beforeEach(() => {
  outside = [];
  toSandbox = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const seen = { url: request.url, headers: Object.fromEntries(request.headers), body: request.body ? await request.clone().text() : "" };
    const origin = new URL(request.url).origin;
    if (origin === SANDBOX_ORIGIN) {
      toSandbox.push(seen);
      return env.SANDBOX.fetch(request);
    }
    outside.push(seen);
    if (origin === CLOUD_REDIRECTING) return new Response(null, { status: 302, headers: { location: `${ATTACKER}/steal` } });
    if (origin === CLOUD_HOSTILE)
      return new Response('<html>Session expired: sign in at <a href="https://evil.example/login">evil.example</a></html>', {
        status: 400,
        headers: { "content-type": "text/html" },
      });
    return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
  });
});
afterEach(() => vi.restoreAllMocks());

const reachedAttacker = () => outside.filter((s) => new URL(s.url).origin === ATTACKER || s.url.includes("evil.example"));

async function adminApi(tenantId: string) {
  const token = randomToken(24);
  await db()
    .insert(apiTokens)
    .values({ id: uniqueId("tok"), tenantId, name: "attacker", tokenHash: await sha256Hex(token), scope: "admin" });
  return (path: string, init: { method?: string; body?: unknown } = {}) =>
    SELF.fetch(`http://localhost/api/v1${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
}

const cwRow = async (tenantId: string) => (await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId)))[0]!;
const CW = { companyId: "acme", publicKey: "acme-public-key", clientId: "psa-sync-demo-client" };

describe("the vendor's OAuth client secret goes only to the deployment's portal", () => {
  it("Generate Token ignores a portal address sent by the tenant; the secret and the PKCE verifier go to PORTAL_BASE_URL only", async () => {
    const tenant = await createTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    const start = await client.fetch(`/t/${tenant.id}/onboarding/portal/oauth`, { form: { baseUrl: ATTACKER, clusterFieldId: "360001234567" } });
    const href = /id="portal-sign-in" href="([^"]+)"/.exec(await start.text())?.[1];
    const authorize = new URL(href!.replaceAll("&amp;", "&"));
    expect(authorize.origin).toBe(SANDBOX_ORIGIN);
    const stateCookie = (start.headers.get("set-cookie") ?? "").split(";")[0]!;
    // Sign in on the portal's page; its redirect brings the code back.
    const form = new URLSearchParams(Object.fromEntries(authorize.searchParams));
    form.set("email", "it@acme-msp.test");
    form.set("password", "acme-portal-pass");
    const signedIn = await env.SANDBOX.fetch(
      new Request(authorize, { method: "POST", body: form, redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    const callback = new URL(signedIn.headers.get("location")!);
    const done = await client.fetch(callback.pathname + callback.search, { headers: { cookie: `${client.cookie}; ${stateCookie}` } });
    expect(done.status).toBe(303);

    expect(outside).toEqual([]);
    const withSecret = toSandbox.filter((s) => s.body.includes(env.PORTAL_OAUTH_CLIENT_SECRET));
    expect(withSecret).toHaveLength(1);
    expect(withSecret[0]!.url).toBe(`${SANDBOX_ORIGIN}/zendesk/oauth/tokens`);
    expect(JSON.parse(withSecret[0]!.body)).toMatchObject({
      grant_type: "authorization_code",
      code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43,128}$/),
    });
  });

  it("a code intercepted on its way back cannot be redeemed without the verifier", async () => {
    const tenant = await createTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    const start = await client.fetch(`/t/${tenant.id}/onboarding/portal/oauth`, { form: { clusterFieldId: "" } });
    const authorize = new URL(/id="portal-sign-in" href="([^"]+)"/.exec(await start.text())![1]!.replaceAll("&amp;", "&"));
    const form = new URLSearchParams(Object.fromEntries(authorize.searchParams));
    form.set("email", "it@acme-msp.test");
    form.set("password", "acme-portal-pass");
    const signedIn = await env.SANDBOX.fetch(
      new Request(authorize, { method: "POST", body: form, redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    const code = new URL(signedIn.headers.get("location")!).searchParams.get("code")!;
    const stolen = await env.SANDBOX.fetch(
      new Request(`${SANDBOX_ORIGIN}/zendesk/oauth/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "authorization_code",
          code,
          client_id: "psa-sync",
          client_secret: env.PORTAL_OAUTH_CLIENT_SECRET,
          redirect_uri: authorize.searchParams.get("redirect_uri"),
        }),
      }),
    );
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("the API refuses a portal address and changes nothing", async () => {
    const tenant = await createConnectedTenant({ settings: false });
    const api = await adminApi(tenant.id);
    const before = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
    const res = await api("/connections/portal", { method: "PUT", body: { baseUrl: ATTACKER, clusterFieldId: 1 } });
    expect(res.status).toBe(400);
    expect(await api("/connections/test", { method: "POST" })).toHaveProperty("status", 200);
    expect(reachedAttacker()).toEqual([]);
    expect(outside).toEqual([]);
    expect(await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id))).toEqual(before);
  });
});

describe("a stored ConnectWise key goes only where it was entered for", () => {
  it.each([
    ["another host", { site: ATTACKER }],
    ["another cloud host", { site: "https://api-na.myconnectwise.net" }],
    ["another company", { site: `${SANDBOX_ORIGIN}/cw`, companyId: "other-company" }],
    ["another public key", { site: `${SANDBOX_ORIGIN}/cw`, publicKey: "attacker-public-key" }],
    ["another clientId", { site: `${SANDBOX_ORIGIN}/cw`, clientId: "attacker-client" }],
  ])("moving the connection to %s without the key is refused, and nothing is sent", async (_, change) => {
    const tenant = await createConnectedTenant({ settings: false });
    const api = await adminApi(tenant.id);
    const before = await cwRow(tenant.id);
    const res = await api("/connections/connectwise", { method: "PUT", body: { ...CW, ...change } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("Enter the private key again");
    expect(outside).toEqual([]);
    expect(toSandbox).toEqual([]);
    expect(await cwRow(tenant.id)).toEqual(before);
  });

  it("a ciphertext moved to another connection (row, tenant or host) does not open, so nothing is sent", async () => {
    const victim = await createConnectedTenant({ settings: false });
    const attacker = await createConnectedTenant({ settings: false });
    const stolen = (await cwRow(victim.id)).secretsCiphertext;
    await db().update(connectwiseConnections).set({ secretsCiphertext: stolen }).where(eq(connectwiseConnections.tenantId, attacker.id));
    const api = await adminApi(attacker.id);
    const test = (await (await api("/connections/test", { method: "POST" })).json()) as {
      lines: { side: string; check: string; ok: boolean; detail: string }[];
    };
    expect(test.lines.find((l) => l.side === "connectwise" && l.check === "Authentication")).toMatchObject({
      ok: false,
      detail: "The stored private key cannot be read.",
    });
    expect(
      toSandbox.filter((s) => (s.headers.authorization ?? "").startsWith("Basic ") && atob(s.headers.authorization!.slice(6)).endsWith(":acme-private-key")),
    ).toEqual([]);
    // The victim's own key still opens where it belongs.
    expect(await openCwSecrets(victim.id, stolen)).toEqual({ privateKey: "acme-private-key" });
    expect(await openCwSecrets(attacker.id, stolen)).toBeNull();
  });
});

describe("one egress policy for every outbound call", () => {
  it.each([
    ["plain http", "http://api-na.myconnectwise.net"],
    ["an IP literal", "https://10.0.0.5"],
    ["the cloud metadata address", "https://169.254.169.254"],
    ["a loopback name", "https://localhost"],
    ["psa-sync's own origin", "http://localhost"],
    ["a host that is not ConnectWise's", ATTACKER],
  ])("a ConnectWise site on %s is refused before anything is sent", async (_, site) => {
    const tenant = await createTenant();
    const api = await adminApi(tenant.id);
    const res = await api("/connections/connectwise", { method: "PUT", body: { ...CW, site, privateKey: "fresh-key" } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("egress policy");
    expect(outside).toEqual([]);
    expect(await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id))).toEqual([]);
  });

  it("an on-premises host works only after an operator approved it (not the tenant)", async () => {
    const tenant = await createTenant();
    const api = await adminApi(tenant.id);
    const onPrem = { ...CW, site: "https://cw.msp.example", privateKey: "fresh-key" };
    expect((await api("/connections/connectwise", { method: "PUT", body: onPrem })).status).toBe(400);
    expect(outside).toEqual([]);
    // A tenant admin cannot approve it: operator pages do not exist for them.
    const admin = await createUser("tenant_admin", tenant.id);
    const tenantAdmin = await signIn(admin.email, admin.password);
    expect([403, 404]).toContain((await tenantAdmin.fetch(`/operator/tenants/${tenant.id}/connectwise-host`, { form: { host: "cw.msp.example" } })).status);
    expect((await db().select().from(tenants).where(eq(tenants.id, tenant.id)))[0]!.cwApprovedHost).toBeNull();

    const op = await createUser("operator", null);
    const operator = await signIn(op.email, op.password);
    expect((await operator.fetch(`/operator/tenants/${tenant.id}/connectwise-host`, { form: { host: "10.0.0.5" } })).status).toBe(400);
    expect((await operator.fetch(`/operator/tenants/${tenant.id}/connectwise-host`, { form: { host: "cw.msp.example" } })).status).toBe(303);
    expect((await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action)).toContain("connectwise.host_approved");
    await api("/connections/connectwise", { method: "PUT", body: onPrem });
    expect(outside.map((s) => new URL(s.url).host)).toEqual(["cw.msp.example"]);
  });

  it("never follows a redirect with credentials attached", async () => {
    const tenant = await createTenant();
    const api = await adminApi(tenant.id);
    const res = await api("/connections/connectwise", { method: "PUT", body: { ...CW, site: CLOUD_REDIRECTING, privateKey: "fresh-key" } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("redirect");
    expect(outside.map((s) => new URL(s.url).origin)).toEqual([CLOUD_REDIRECTING]);
    expect(reachedAttacker()).toEqual([]);
  });

  it("shows an upstream's error text only as psa-sync's classified message", async () => {
    const tenant = await createTenant();
    const api = await adminApi(tenant.id);
    const res = await api("/connections/connectwise", { method: "PUT", body: { ...CW, site: CLOUD_HOSTILE, privateKey: "fresh-key" } });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("HTTP 400");
    for (const upstream of ["evil.example", "Session expired", "<a", "sign in at"]) expect(text).not.toContain(upstream);
  });

  it("the alert webhook cannot point inside, at psa-sync itself, or over plain http", async () => {
    const tenant = await createTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    for (const url of [
      "http://alerts.example/hook",
      "https://127.0.0.1/hook",
      "https://localhost/hook",
      "http://localhost/api/v1/status",
      "https://metadata.internal/x",
    ]) {
      const res = await client.fetch(`/t/${tenant.id}/tasks/alerts`, { form: { alertWebhookUrl: url } });
      expect(res.status, url).toBe(400);
      expect(await res.text(), url).toContain("psa-sync cannot post alerts there");
    }
    expect((await db().select().from(tenants).where(eq(tenants.id, tenant.id)))[0]!.alertWebhookUrl).toBeNull();
    expect(outside).toEqual([]);
  });

  it("an alert webhook that redirects is not followed: the attacker's host hears nothing", async () => {
    const tenant = await createTenant({ alertWebhookUrl: `${CLOUD_REDIRECTING}/alert` });
    await raiseAttention(db(), egressFetch(env, "alert"), tenant.id, "ConnectWise rejected psa-sync's credentials.", new Date());
    expect(outside.map((s) => s.url)).toEqual([`${CLOUD_REDIRECTING}/alert`]);
    expect(reachedAttacker()).toEqual([]);
    // Not announced: the next problem is tried again rather than marked as told.
    expect((await db().select().from(tenants).where(eq(tenants.id, tenant.id)))[0]!.attentionAnnouncedAt).toBeNull();
  });

  it("'Test connection' probes take their turns from the tenant's call budget", async () => {
    const tenant = await createConnectedTenant({ settings: false });
    const stub = callBudgetStub(env, tenant.id);
    const tat = () => runInDurableObject(stub, (_, state) => state.storage.kv.get<number>("tat") ?? 0);
    expect(await tat()).toBe(0);
    const api = await adminApi(tenant.id);
    expect((await api("/connections/test", { method: "POST" })).status).toBe(200);
    expect(await tat()).toBeGreaterThan(0);
  });
});

describe("moving a connection re-checks with the key entered again", () => {
  it("accepts the move when the key comes with it, sealed for the new place", async () => {
    const tenant = await createConnectedTenant({ settings: false });
    const api = await adminApi(tenant.id);
    const res = await api("/connections/connectwise", { method: "PUT", body: { ...CW, site: `${SANDBOX_ORIGIN}/cw`, privateKey: "acme-private-key" } });
    expect(res.status).toBe(200);
    const row = await cwRow(tenant.id);
    expect(await openCwSecrets(tenant.id, row.secretsCiphertext)).toEqual({ privateKey: "acme-private-key" });
    expect(await openCwSecrets(tenant.id, await sealCwSecrets(tenant.id, "k", "https://other.example"))).toBeNull();
  });
});
