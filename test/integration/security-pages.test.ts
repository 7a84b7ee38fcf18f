import { SELF } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUser, ORIGIN, signIn, type AdminClient } from "../setup/admin-client";
import { routeFetchToSandbox } from "../setup/sandbox";
import { buildWorld, fill, operatorPageRoutes, snapshotTenant, tenantPageRoutes, type RouteRef, type World } from "./security-fixture";

/**
 * Tenant isolation and roles on every admin page, with the route list generated from the
 * app: a page added later is covered without editing this file.
 */
let w: World;
let spy: ReturnType<typeof routeFetchToSandbox>;
beforeAll(async () => {
  w = await buildWorld();
});
// Nothing may leave for the internet, whatever a route tries.
beforeEach(() => {
  spy = routeFetchToSandbox();
});
afterEach(() => spy.mockRestore());

const routes = tenantPageRoutes();
const writes = routes.filter((r) => r.method !== "GET");
const call = (client: AdminClient, r: RouteRef, tenantId: string, csrf = true) =>
  client.fetch(fill(r.path, w, tenantId), r.method === "GET" ? {} : { method: r.method, form: {}, csrf });

async function expectEach(client: AdminClient, list: RouteRef[], status: number, opts: { tenantId?: string; csrf?: boolean } = {}) {
  const wrong: string[] = [];
  for (const r of list) {
    const res = await call(client, r, opts.tenantId ?? w.a.id, opts.csrf ?? true);
    if (res.status !== status) wrong.push(`${r.method} ${r.path} → ${res.status}`);
  }
  expect(wrong, `routes not answering ${status}`).toEqual([]);
}

describe("tenant pages (generated from the app's routes)", () => {
  it("finds the routes", () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes).toContainEqual({ method: "POST", path: "/t/:tenantId/tasks/sync" });
  });

  it("answers 404 to another tenant's admin on every route, GET or not, and changes nothing", async () => {
    const before = await snapshotTenant(w.a.id);
    await expectEach(await signIn(w.users.adminB.email, w.users.adminB.password), routes, 404);
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });

  it("answers 403 to a viewer on every write, and changes nothing", async () => {
    const before = await snapshotTenant(w.a.id);
    await expectEach(await signIn(w.users.viewerA.email, w.users.viewerA.password), writes, 403);
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });

  it("answers 403 to an operator's writes (read-only look at a tenant)", async () => {
    const before = await snapshotTenant(w.a.id);
    await expectEach(await signIn(w.users.operator.email, w.users.operator.password), writes, 403);
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });

  it("answers 403 to a write without the CSRF token, even from the tenant's admin", async () => {
    const before = await snapshotTenant(w.a.id);
    await expectEach(await signIn(w.users.adminA.email, w.users.adminA.password), writes, 403, { csrf: false });
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });

  it("sends a signed-out visitor to sign in from every route", async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      // A forged cookie is as good as none.
      const res = await SELF.fetch(`${ORIGIN}${fill(r.path, w)}`, {
        method: r.method,
        headers: { cookie: "__Host-psa-session=forged", origin: ORIGIN },
        redirect: "manual",
      });
      if (res.status !== 303 || res.headers.get("location") !== "/login") wrong.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it("serves the tenant's own pages to its users without a server error", async () => {
    const admin = await signIn(w.users.adminA.email, w.users.adminA.password);
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.method === "GET")) {
      const res = await call(admin, r, w.a.id);
      if (res.status >= 500) wrong.push(`${r.path} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("operator pages (generated)", () => {
  it("answer 404 to tenant users on every route and change nothing", async () => {
    const list = operatorPageRoutes();
    expect(list.length).toBeGreaterThanOrEqual(3);
    const before = await snapshotTenant(w.a.id);
    const admin = await signIn(w.users.adminA.email, w.users.adminA.password);
    await expectEach(admin, list, 404);
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });

  it("need the CSRF token", async () => {
    const op = await createUser("operator", null);
    const client = await signIn(op.email, op.password);
    const before = await snapshotTenant(w.a.id);
    await expectEach(
      client,
      operatorPageRoutes().filter((r) => r.method !== "GET"),
      403,
      { csrf: false },
    );
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });
});
