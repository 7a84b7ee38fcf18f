import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_PORTAL } from "../../src/demo-data";
import { ORIGIN, ZD, expectContract, resetSandbox, zd, type RequestJson } from "./helpers";

const REDIRECT = "http://localhost:8787/settings/portal/callback";
type TokenJson = { access_token: string; refresh_token: string; token_type: string; expires_in: number; scope: string; refresh_token_expires_in: number };

function authorizeUrl(extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: DEMO_PORTAL.oauthClientId,
    redirect_uri: REDIRECT,
    scope: "read write",
    state: "st-123",
    ...extra,
  });
  return `${ZD}/oauth/authorizations/new?${q}`;
}

async function signIn(email: string, password: string, params: Record<string, string> = {}): Promise<Response> {
  const form = new URLSearchParams({
    response_type: "code",
    client_id: DEMO_PORTAL.oauthClientId,
    redirect_uri: REDIRECT,
    scope: "read write",
    state: "st-123",
    ...params,
    email,
    password,
  });
  return SELF.fetch(`${ZD}/oauth/authorizations/new`, {
    method: "POST",
    body: form,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
}

async function getCode(): Promise<string> {
  const res = await signIn(DEMO_PORTAL.userEmail, DEMO_PORTAL.password);
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location")!);
  return location.searchParams.get("code")!;
}

async function token(
  body: Record<string, string | number>,
  asForm = false,
): Promise<{ status: number; json: TokenJson & { error?: string; error_description?: string } }> {
  const res = await SELF.fetch(`${ZD}/oauth/tokens`, {
    method: "POST",
    headers: { "content-type": asForm ? "application/x-www-form-urlencoded" : "application/json" },
    body: asForm ? new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])) : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const codeGrant = (code: string, extra: Record<string, string | number> = {}) => ({
  grant_type: "authorization_code",
  code,
  client_id: DEMO_PORTAL.oauthClientId,
  client_secret: DEMO_PORTAL.oauthClientSecret,
  redirect_uri: REDIRECT,
  ...extra,
});

describe("Zendesk OAuth", () => {
  beforeAll(resetSandbox);

  it("renders a sign-in form that escapes echoed values", async () => {
    const res = await SELF.fetch(authorizeUrl({ state: `"><script>alert(1)</script>` }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('name="password"');
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
  });

  it("refuses an unknown client with an error page instead of redirecting", async () => {
    const res = await SELF.fetch(authorizeUrl({ client_id: "nope" }), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("re-renders the form with an error on wrong credentials", async () => {
    const res = await signIn(DEMO_PORTAL.userEmail, "wrong-password");
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain("Invalid email or password");
    expect(html).toContain(`value="${DEMO_PORTAL.userEmail}"`);
  });

  it("runs the code flow end to end: code, token, bearer call", async () => {
    const res = await signIn(DEMO_PORTAL.userEmail, DEMO_PORTAL.password);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get("state")).toBe("st-123");
    const code = location.searchParams.get("code")!;
    expect(code).toMatch(/^[0-9a-f]{64}$/);

    const t = await token(codeGrant(code));
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ token_type: "bearer", scope: "read write", expires_in: 7200 });
    expect(t.json.refresh_token).not.toBe(t.json.access_token);

    const list = await zd<{ requests: RequestJson[] }>("/api/v2/requests", { auth: `Bearer ${t.json.access_token}` });
    expect(list.status).toBe(200);
    expect(list.json.requests.length).toBe(12);
    expectContract("GET", "/api/v2/requests", 200, list.json);

    // The code is single-use.
    const again = await token(codeGrant(code));
    expect(again.status).toBe(400);
    expect(again.json.error).toBe("invalid_grant");
  });

  it("accepts a form-encoded token request and checks client secret and redirect_uri", async () => {
    const bad = await token(codeGrant(await getCode(), { client_secret: "wrong" }), true);
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ error: "invalid_client" });
    expect(typeof bad.json.error_description).toBe("string");

    const mismatch = await token(codeGrant(await getCode(), { redirect_uri: "http://evil.test/cb" }), true);
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.error).toBe("invalid_grant");

    const good = await token(codeGrant(await getCode()), true);
    expect(good.status).toBe(200);
    expect(good.json.access_token).toBeTruthy();

    const unsupported = await token({ grant_type: "password", client_id: DEMO_PORTAL.oauthClientId, client_secret: DEMO_PORTAL.oauthClientSecret });
    expect(unsupported.json.error).toBe("unsupported_grant_type");
  });

  it("expires access tokens, refreshes with rotation and refuses the old refresh token", async () => {
    const first = await token(codeGrant(await getCode(), { expires_in: 1 }));
    expect(first.json.expires_in).toBe(1);
    const bearer = `Bearer ${first.json.access_token}`;
    expect((await zd("/api/v2/requests", { auth: bearer })).status).toBe(200);

    await new Promise((r) => setTimeout(r, 1_100));
    const expired = await zd("/api/v2/requests", { auth: bearer });
    expect(expired.status).toBe(401);
    expect(expired.json.error).toBe("invalid_token");
    expectContract("GET", "/api/v2/requests", 401, expired.json);

    const refreshBody = {
      grant_type: "refresh_token",
      refresh_token: first.json.refresh_token,
      client_id: DEMO_PORTAL.oauthClientId,
      client_secret: DEMO_PORTAL.oauthClientSecret,
    };
    const second = await token(refreshBody);
    expect(second.status).toBe(200);
    expect(second.json.refresh_token).not.toBe(first.json.refresh_token);
    expect(second.json.access_token).not.toBe(first.json.access_token);
    expect((await zd("/api/v2/requests", { auth: `Bearer ${second.json.access_token}` })).status).toBe(200);

    const reuse = await token(refreshBody);
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe("invalid_grant");

    // Rotating again invalidates the second pair's access token too.
    const third = await token({ ...refreshBody, refresh_token: second.json.refresh_token });
    expect(third.status).toBe(200);
    expect((await zd("/api/v2/requests", { auth: `Bearer ${second.json.access_token}` })).status).toBe(401);
    expect((await zd("/api/v2/requests", { auth: `Bearer ${third.json.access_token}` })).status).toBe(200);
  });

  it("keeps the redirect_uri's own query and omits state when none was sent", async () => {
    const res = await signIn(DEMO_PORTAL.userEmail, DEMO_PORTAL.password, { redirect_uri: `${ORIGIN}/cb?tenant=7`, state: "" });
    const location = new URL(res.headers.get("location")!);
    expect(location.searchParams.get("tenant")).toBe("7");
    expect(location.searchParams.has("state")).toBe(false);
  });
});
