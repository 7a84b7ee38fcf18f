import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTokens, connectwiseConnections, portalConnections, sessions, users } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { createUser, ORIGIN, signIn, type AdminClient } from "../setup/admin-client";
import { useSandbox, routeFetchToSandbox } from "../setup/sandbox";
import { fill, operatorPageRoutes, tenantPageRoutes, type World } from "./security-fixture";

useSandbox();

const tokenOf = (client: AdminClient) => client.cookie.slice(client.cookie.indexOf("=") + 1);
const sessionRow = async (client: AdminClient) => db().query.sessions.findFirst({ where: eq(sessions.tokenHash, await sha256Hex(tokenOf(client))) });
const login = (email: string, password: string, cookie?: string) =>
  SELF.fetch(`${ORIGIN}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password }),
    headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    redirect: "manual",
  });

describe("sessions", () => {
  it("issues a new token on every sign-in (no fixation) and ignores one the visitor brought", async () => {
    const user = await createUser("operator", null);
    const res = await login(user.email, user.password, "__Host-psa-session=attacker-chosen-value");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).not.toContain("attacker-chosen-value");
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const one = await signIn(user.email, user.password);
    const two = await signIn(user.email, user.password);
    expect(one.cookie).not.toBe(two.cookie);
    expect(one.csrf).not.toBe(two.csrf);
  });

  it.each([
    ["idle", { lastSeenAt: new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString() }],
    ["absolute", { expiresAt: new Date(Date.now() - 1000).toISOString() }],
  ])("ends a session past its %s expiry: back to /login, and the row is gone", async (_, change) => {
    const user = await createUser("operator", null);
    const client = await signIn(user.email, user.password);
    expect((await client.fetch("/operator/tenants")).status).toBe(200);
    await db()
      .update(sessions)
      .set(change)
      .where(eq(sessions.tokenHash, await sha256Hex(tokenOf(client))));
    const res = await client.fetch("/operator/tenants");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(await sessionRow(client)).toBeUndefined();
  });

  it("asks for both fields when one is missing or malformed", async () => {
    for (const [email, password] of [
      ["", "some password"],
      ["not-an-email", "some password"],
      ["someone@example.test", ""],
    ]) {
      const res = await login(email!, password!);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Enter your email address and password.");
    }
  });

  it("signs out server-side, with the CSRF token only: the old cookie no longer works", async () => {
    const user = await createUser("operator", null);
    const client = await signIn(user.email, user.password);
    expect((await client.fetch("/logout", { form: {}, csrf: false })).status).toBe(403);
    expect(await sessionRow(client)).toBeDefined();
    const res = await client.fetch("/logout", { form: {} });
    expect(res.status).toBe(303);
    expect(await sessionRow(client)).toBeUndefined();
    expect((await client.fetch("/operator/tenants")).headers.get("location")).toBe("/login");
  });

  it("after 5 wrong passwords from one IP refuses even the right one from there, answering as for a wrong password", async () => {
    const user = await createUser("operator", null);
    const from = { "cf-connecting-ip": "203.0.113.77" };
    const attempt = (password: string) =>
      SELF.fetch(`${ORIGIN}/login`, {
        method: "POST",
        body: new URLSearchParams({ email: user.email, password }),
        headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded", ...from },
        redirect: "manual",
      });
    const wrong: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await attempt("wrong password");
      expect(res.status).toBe(401);
      wrong.push(await res.text());
    }
    const locked = await attempt(user.password);
    expect(locked.status).toBe(401);
    expect(await locked.text()).toBe(wrong[0]);
    expect(locked.headers.get("set-cookie")).toBeNull();
    expect((await db().query.users.findFirst({ where: eq(users.id, user.id) }))!.failedSignIns).toBe(5);
  });
});

describe("every page", () => {
  let pages: string[];
  let secrets: string[];
  let admin: AdminClient;
  let operator: AdminClient;
  beforeAll(async () => {
    const spyAll = routeFetchToSandbox();
    const tenant = await createConnectedTenant();
    spyAll.mockRestore();
    const adminUser = await createUser("tenant_admin", tenant.id);
    const opUser = await createUser("operator", null);
    admin = await signIn(adminUser.email, adminUser.password);
    operator = await signIn(opUser.email, opUser.password);
    // A token, so the tokens page has a row whose hash must not show.
    await admin.fetch(`/t/${tenant.id}/tokens`, { form: { name: "ci", scope: "read" } });
    const world = { a: { id: tenant.id, viewerId: adminUser.id, tokenId: "x", runId: "x", failureId: 1 } } as unknown as World;
    pages = [...tenantPageRoutes(), ...operatorPageRoutes()].filter((r) => r.method === "GET").map((r) => fill(r.path, world));
    const [portal] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
    const [cw] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id));
    const allUsers = await db().select().from(users);
    const allSessions = await db().select().from(sessions);
    const tokens = await db().select().from(apiTokens);
    secrets = [
      env.ENCRYPTION_KEY,
      "acme-portal-token",
      "acme-private-key",
      portal!.secretsCiphertext,
      cw!.secretsCiphertext,
      ...allUsers.map((u) => u.passwordHash),
      ...allSessions.map((s) => s.tokenHash),
      ...tokens.map((t) => t.tokenHash),
    ];
  });

  it("carries the CSP and security headers, and no secret, for every signed-in page", async () => {
    const problems: string[] = [];
    for (const path of ["/login", ...pages]) {
      const client = path.startsWith("/operator") ? operator : admin;
      const res = await client.fetch(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      if (!csp.includes("default-src 'self'") || !csp.includes("script-src 'self'") || csp.includes("unsafe-inline") || !csp.includes("frame-ancestors 'none'"))
        problems.push(`${path}: CSP ${csp}`);
      if (res.headers.get("x-content-type-options") !== "nosniff") problems.push(`${path}: no nosniff`);
      if (!res.headers.get("x-frame-options")) problems.push(`${path}: no x-frame-options`);
      if (res.headers.get("strict-transport-security") === null) problems.push(`${path}: no HSTS`);
      const body = await res.text();
      for (const s of secrets) if (s && body.includes(s)) problems.push(`${path}: shows a secret (${s.slice(0, 8)}…)`);
      if (/<script(?![^>]*\bsrc=)[^>]*>/.test(body) || /\sstyle="/.test(body) || /\son[a-z]+="/.test(body)) problems.push(`${path}: inline script or style`);
    }
    expect(problems).toEqual([]);
  });
});
