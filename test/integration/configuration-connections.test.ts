import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { auditLog, connectwiseConnections, portalConnections } from "../../src/db/schema";
import { openPortalSecrets } from "../factories/connections";
import { createTenant, db } from "../factories/tenants";
import { createUser, signIn, type AdminClient } from "../setup/admin-client";
import { routeFetchToSandbox, SANDBOX_ORIGIN } from "../setup/sandbox";

const PORTAL_URL = `${SANDBOX_ORIGIN}/zendesk`;
const CW_FORM = {
  site: `${SANDBOX_ORIGIN}/cw`,
  companyId: "acme",
  publicKey: "acme-public-key",
  privateKey: "acme-private-key",
  clientId: "psa-sync-demo-client",
};

let fetchSpy: MockInstance;
beforeEach(() => {
  fetchSpy = routeFetchToSandbox();
});
afterEach(() => fetchSpy.mockRestore());

async function adminOfNewTenant() {
  const tenant = await createTenant();
  const admin = await createUser("tenant_admin", tenant.id);
  return { tenant, client: await signIn(admin.email, admin.password) };
}

/** POST "Generate Token"; returns the portal authorize URL it sends the browser to and the state cookie set. */
async function startOAuth(client: AdminClient, tenantId: string) {
  const res = await client.fetch(`/t/${tenantId}/onboarding/portal/oauth`, { form: { clusterFieldId: "360001234567" } });
  // A hop page (meta refresh + link), since the CSP's form-action forbids a cross-origin redirect.
  expect(res.status).toBe(200);
  const href = /id="portal-sign-in" href="([^"]+)"/.exec(await res.text())?.[1];
  const location = new URL(href!.replaceAll("&amp;", "&"));
  const stateCookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  expect(stateCookie).toMatch(/^__Host-psa-oauth=/);
  return { location, stateCookie };
}

/** Signs in on the sandbox's portal page as the demo end user; returns our callback URL with code and state. */
async function signInOnPortal(authorize: URL): Promise<URL> {
  const page = await env.SANDBOX.fetch(new Request(authorize));
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Sign in");
  const form = new URLSearchParams(Object.fromEntries(authorize.searchParams));
  form.set("email", "it@acme-msp.test");
  form.set("password", "acme-portal-pass");
  const res = await env.SANDBOX.fetch(
    new Request(authorize, { method: "POST", body: form, redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" } }),
  );
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

describe("Support Portal: Generate Token (OAuth) against the sandbox", () => {
  it("connects end to end and stores the tokens only encrypted", async () => {
    const { tenant, client } = await adminOfNewTenant();
    const { location, stateCookie } = await startOAuth(client, tenant.id);
    expect(location.origin + location.pathname).toBe(`${PORTAL_URL}/oauth/authorizations/new`);
    expect(location.searchParams.get("client_id")).toBe("psa-sync");
    expect(location.searchParams.get("redirect_uri")).toBe(`http://localhost/t/${tenant.id}/onboarding/portal/callback`);
    expect(location.searchParams.get("scope")).toBe("read write");
    // PKCE: the portal sees only the S256 challenge; the verifier stays sealed in our state cookie.
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = location.searchParams.get("state")!;
    expect(state.length).toBeGreaterThanOrEqual(32);

    const callback = await signInOnPortal(location);
    expect(callback.searchParams.get("state")).toBe(state);
    const done = await client.fetch(callback.pathname + callback.search, { headers: { cookie: `${client.cookie}; ${stateCookie}` } });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`/t/${tenant.id}/onboarding?saved=portal`);

    const [row] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
    expect(row).toMatchObject({ authMode: "oauth", email: "it@acme-msp.test", clusterFieldId: 360001234567, status: "connected" });
    expect(row!.portalUserId).toBeGreaterThan(0);
    expect(Date.parse(row!.accessTokenExpiresAt!)).toBeGreaterThan(Date.now());
    const secrets = (await openPortalSecrets(tenant.id, row!.secretsCiphertext)) as { accessToken: string; refreshToken: string };
    expect(secrets.accessToken).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secrets.accessToken);
    expect(stored).not.toContain(secrets.refreshToken);

    const page = await (await client.fetch(`/t/${tenant.id}/onboarding?saved=portal`)).text();
    expect(page).toContain("The Support Portal is connected.");
    expect(page).toContain("it@acme-msp.test");
    expect(page).not.toContain(secrets.accessToken);
    expect(page).not.toContain(secrets.refreshToken);
    const audit = await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id));
    expect(audit.map((a) => a.action)).toContain("portal.connected");
  });

  it("refuses a callback whose state does not match, and one without the state cookie", async () => {
    const { tenant, client } = await adminOfNewTenant();
    const { location, stateCookie } = await startOAuth(client, tenant.id);
    const callback = await signInOnPortal(location);
    callback.searchParams.set("state", "forged-state-value");
    const bad = await client.fetch(callback.pathname + callback.search, { headers: { cookie: `${client.cookie}; ${stateCookie}` } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("This sign-in link is not valid any more");
    const noCookie = await client.fetch(`/t/${tenant.id}/onboarding/portal/callback?code=x&state=y`);
    expect(noCookie.status).toBe(400);
    expect(await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id))).toHaveLength(0);
  });

  it("binds the state to the session: another admin's session cannot complete it", async () => {
    const { tenant, client } = await adminOfNewTenant();
    const other = await createUser("tenant_admin", tenant.id);
    const otherClient = await signIn(other.email, other.password);
    const { location, stateCookie } = await startOAuth(client, tenant.id);
    const callback = await signInOnPortal(location);
    const res = await otherClient.fetch(callback.pathname + callback.search, { headers: { cookie: `${otherClient.cookie}; ${stateCookie}` } });
    expect(res.status).toBe(400);
  });

  it("says plainly when the portal denied access or the code is bad", async () => {
    const { tenant, client } = await adminOfNewTenant();
    let { location, stateCookie } = await startOAuth(client, tenant.id);
    const denied = await client.fetch(`/t/${tenant.id}/onboarding/portal/callback?error=access_denied&state=${location.searchParams.get("state")}`, {
      headers: { cookie: `${client.cookie}; ${stateCookie}` },
    });
    expect(denied.status).toBe(400);
    expect(await denied.text()).toContain("cancelled or access was denied");

    ({ location, stateCookie } = await startOAuth(client, tenant.id));
    const badCode = await client.fetch(`/t/${tenant.id}/onboarding/portal/callback?code=not-a-real-code&state=${location.searchParams.get("state")}`, {
      headers: { cookie: `${client.cookie}; ${stateCookie}` },
    });
    expect(badCode.status).toBe(502);
    expect(await badCode.text()).toContain("did not accept the sign-in code");
    expect(await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id))).toHaveLength(0);
  });

  it("rejects a ClusterID field that is not a number with a field message", async () => {
    const { tenant, client } = await adminOfNewTenant();
    const res = await client.fetch(`/t/${tenant.id}/onboarding/portal/oauth`, { form: { clusterFieldId: "javascript:alert(1)" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("The ClusterID field id must be a number");
  });
});

describe("Support Portal: API token", () => {
  it("connects after checking the token, and refuses a wrong one", async () => {
    const { tenant, client } = await adminOfNewTenant();
    const wrong = await client.fetch(`/t/${tenant.id}/onboarding/portal/token`, {
      form: { email: "it@acme-msp.test", apiToken: "wrong-token", clusterFieldId: "" },
    });
    expect(wrong.status).toBe(400);
    const wrongText = await wrong.text();
    expect(wrongText).toContain("refused the credentials");
    expect(wrongText).not.toContain("wrong-token");
    const ok = await client.fetch(`/t/${tenant.id}/onboarding/portal/token`, {
      form: { email: "it@acme-msp.test", apiToken: "acme-portal-token", clusterFieldId: "" },
    });
    expect(ok.status).toBe(303);
    const [row] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
    expect(row).toMatchObject({ authMode: "api_token", email: "it@acme-msp.test", clusterFieldId: 360001234567 });
    expect(row!.secretsCiphertext).not.toContain("acme-portal-token");
    expect(await (await client.fetch(`/t/${tenant.id}/onboarding`)).text()).not.toContain("acme-portal-token");
  });
});

describe("ConnectWise connection", () => {
  it("looks up the codebase, stores the private key encrypted and shows only •••• saved", async () => {
    const { tenant, client } = await adminOfNewTenant();
    const res = await client.fetch(`/t/${tenant.id}/onboarding/connectwise`, { form: CW_FORM });
    expect(res.status).toBe(303);
    const [row] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id));
    expect(row).toMatchObject({
      site: CW_FORM.site,
      companyId: "acme",
      codebase: "v4_6_release/",
      publicKey: "acme-public-key",
      clientId: "psa-sync-demo-client",
    });
    expect(JSON.stringify(row)).not.toContain("acme-private-key");
    const page = await (await client.fetch(`/t/${tenant.id}/onboarding`)).text();
    expect(page).toContain("private key •••• saved");
    expect(page).not.toContain("acme-private-key");
  });

  it("keeps the stored key when the field is left empty, and audits new keys as a rotation", async () => {
    const { tenant, client } = await adminOfNewTenant();
    await client.fetch(`/t/${tenant.id}/onboarding/connectwise`, { form: CW_FORM });
    const [before] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id));
    expect((await client.fetch(`/t/${tenant.id}/onboarding/connectwise`, { form: { ...CW_FORM, privateKey: "" } })).status).toBe(303);
    const [kept] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id));
    expect(kept!.secretsCiphertext).toBe(before!.secretsCiphertext);
    expect((await client.fetch(`/t/${tenant.id}/onboarding/connectwise`, { form: { ...CW_FORM, privateKey: "a-new-private-key" } })).status).toBe(303);
    const actions = (await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["connectwise.connected", "connectwise.updated", "credentials.rotated"]));
    expect(JSON.stringify(await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id)))).not.toContain("a-new-private-key");
  });

  it("refuses an unknown company id with a plain message and saves nothing", async () => {
    const { tenant, client } = await adminOfNewTenant();
    const res = await client.fetch(`/t/${tenant.id}/onboarding/connectwise`, { form: { ...CW_FORM, companyId: "nobody" } });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("Could not look up the codebase");
    expect(text).not.toContain("acme-private-key");
    expect(await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id))).toHaveLength(0);
  });
});
