import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { signInLinks, users } from "../../src/db/schema";
import { ADD_USER_REFUSALS, EMAIL_UNAVAILABLE } from "../../src/admin/accounts/users";
import { OPERATOR_LABEL } from "../../src/admin/monitoring/service";
import { createTenant, db, uniqueId } from "../factories/tenants";
import { createUser, ORIGIN, signIn } from "../setup/admin-client";
import { buildWorld, fill, operatorPageRoutes, tenantPageRoutes } from "./security-fixture";

/** What a tenant admin can learn about other tenants and operators: nothing. */
const userRow = async (email: string) => db().select().from(users).where(eq(users.email, email));

describe("a tenant's audit log", () => {
  it("shows operators as Operator, never their email or id, to tenant users", async () => {
    const op = await createUser("operator", null);
    const operator = await signIn(op.email, op.password);
    const slug = uniqueId("audited").replace(/_/g, "-");
    expect(
      (await operator.fetch("/operator/tenants", { form: { name: "Audited MSP", slug, adminEmail: `${slug}@audited.test`, adminName: "A" } })).status,
    ).toBe(200);
    const tenantId = (await userRow(`${slug}@audited.test`))[0]!.tenantId!;
    expect((await operator.fetch(`/operator/tenants/${tenantId}/disable`, { form: {} })).status).toBe(303);
    expect((await operator.fetch(`/operator/tenants/${tenantId}/enable`, { form: {} })).status).toBe(303);

    const admin = await createUser("tenant_admin", tenantId);
    const html = await (await (await signIn(admin.email, admin.password)).fetch(`/t/${tenantId}/audit`)).text();
    expect(html).toContain("tenant.created");
    expect(html).toContain("tenant.disabled");
    expect(html).toContain(OPERATOR_LABEL);
    expect(html).not.toContain(op.email);
    expect(html).not.toContain(op.id);
    // Operators themselves still see who did it.
    expect(await (await operator.fetch(`/t/${tenantId}/audit`)).text()).toContain(op.email);
  });
});

describe("adding a user", () => {
  it("answers the same for an email of another tenant, of an operator or of this tenant, and touches none", async () => {
    const mine = await createTenant();
    const theirs = await createTenant({ name: "Rival Secret MSP" });
    const admin = await createUser("tenant_admin", mine.id);
    const colleague = await createUser("tenant_viewer", mine.id);
    const stranger = await createUser("tenant_admin", theirs.id);
    const op = await createUser("operator", null);
    const client = await signIn(admin.email, admin.password);

    const answers: string[] = [];
    for (const email of [stranger.email, op.email, colleague.email]) {
      const before = await userRow(email);
      const res = await client.fetch(`/t/${mine.id}/users`, { form: { email, name: "Taken", role: "tenant_admin" } });
      expect(res.status).toBe(409);
      const html = await res.text();
      expect(html).toContain(EMAIL_UNAVAILABLE);
      expect(html).not.toContain(theirs.name);
      expect(html).not.toContain(theirs.id);
      // The page also lists this tenant's own users; the answer is the form's error.
      answers.push(/id="user-email-error">([^<]*)</.exec(html)?.[1] ?? "none");
      expect(await userRow(email)).toEqual(before);
      expect(await db().select().from(signInLinks).where(eq(signInLinks.userId, before[0]!.id))).toHaveLength(0);
    }
    expect(new Set(answers).size).toBe(1);
    expect(await db().select().from(users).where(eq(users.tenantId, mine.id))).toHaveLength(2);
  });

  it("stops an admin testing addresses in bulk: after 10 refusals an hour, every add is refused", async () => {
    const mine = await createTenant();
    const admin = await createUser("tenant_admin", mine.id);
    const client = await signIn(admin.email, admin.password);
    const others = await createTenant();
    for (let i = 0; i < ADD_USER_REFUSALS.limit; i++) {
      const taken = await createUser("tenant_viewer", others.id);
      expect((await client.fetch(`/t/${mine.id}/users`, { form: { email: taken.email, name: "Probe", role: "tenant_viewer" } })).status).toBe(409);
    }
    const fresh = `${uniqueId("fresh")}@example.test`.toLowerCase();
    const res = await client.fetch(`/t/${mine.id}/users`, { form: { email: fresh, name: "Fresh", role: "tenant_viewer" } });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("Too many addresses were refused");
    expect(await userRow(fresh)).toHaveLength(0);
  });
});

describe("caching", () => {
  it("marks every signed-in page and API answer no-store; only static assets may be cached", async () => {
    const world = await buildWorld();
    const admin = await signIn(world.users.adminA.email, world.users.adminA.password);
    const operator = await signIn(world.users.operator.email, world.users.operator.password);
    const problems: string[] = [];
    for (const path of ["/login", ...[...tenantPageRoutes(), ...operatorPageRoutes()].filter((r) => r.method === "GET").map((r) => fill(r.path, world))]) {
      const res = await (path.startsWith("/operator") ? operator : admin).fetch(path);
      await res.arrayBuffer();
      if (res.headers.get("cache-control") !== "no-store") problems.push(`${path}: ${res.headers.get("cache-control")}`);
    }
    for (const [path, token] of [
      ["/status", world.tokens.adminA],
      ["/status", "psa_not_a_real_token_at_all"],
    ] as const) {
      const res = await SELF.fetch(`${ORIGIN}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.headers.get("cache-control") !== "no-store") problems.push(`API ${path} (${res.status}): ${res.headers.get("cache-control")}`);
    }
    expect(problems).toEqual([]);
    expect((await SELF.fetch(`${ORIGIN}/static/app.css`)).headers.get("cache-control")).toBe("public, max-age=300");
    // An unknown asset is the Worker's own 404 page, not a cacheable answer.
    const missing = await SELF.fetch(`${ORIGIN}/static/missing.js`);
    expect([missing.status, missing.headers.get("cache-control"), missing.headers.get("content-type")]).toEqual([404, "no-store", "text/html; charset=UTF-8"]);
  });
});
