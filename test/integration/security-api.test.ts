import { SELF } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ORIGIN } from "../setup/admin-client";
import { routeFetchToSandbox } from "../setup/sandbox";
import { apiRouteList, buildWorld, fill, snapshotTenant, type RouteRef, type World } from "./security-fixture";

/**
 * /api/v1 isolation with the route list generated from the app: the token alone decides
 * the tenant, so tenant B's tokens can never read or change tenant A.
 */
let w: World;
let spy: ReturnType<typeof routeFetchToSandbox>;
beforeAll(async () => {
  w = await buildWorld();
});
beforeEach(() => {
  spy = routeFetchToSandbox();
});
afterEach(() => spy.mockRestore());

const routes = apiRouteList();
const call = (r: RouteRef, token: string | null) =>
  SELF.fetch(`${ORIGIN}/api/v1${fill(r.path, w)}`, {
    method: r.method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(r.method === "GET" ? {} : { "content-type": "application/json" }) },
    body: r.method === "GET" ? undefined : "{}",
  });

describe("/api/v1 routes (generated from the app's routes)", () => {
  it("finds the routes", () => {
    expect(routes).toContainEqual({ method: "GET", path: "/status" });
    expect(routes).toContainEqual({ method: "POST", path: "/tickets/:portalTicketId/resync" });
  });

  it("with tenant B's admin token, never reads or changes tenant A", async () => {
    const before = await snapshotTenant(w.a.id);
    const leaks: string[] = [];
    for (const r of routes) {
      const res = await call(r, w.tokens.adminB);
      const text = await res.text();
      if (res.status >= 500) leaks.push(`${r.method} ${r.path} → ${res.status}`);
      // B's own results or a 404: nothing of A's (its id, name, ticket summary, run or failure).
      for (const mark of [w.a.id, w.a.name, "Alpha confidential ticket", w.a.runId]) if (text.includes(mark)) leaks.push(`${r.method} ${r.path} shows ${mark}`);
    }
    expect(leaks).toEqual([]);
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });

  it("answers 403 to a read token on every write, and changes nothing", async () => {
    const before = await snapshotTenant(w.a.id);
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.method !== "GET")) {
      const res = await call(r, w.tokens.readB);
      if (res.status !== 403) wrong.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
    expect(await snapshotTenant(w.a.id)).toBe(before);
  });

  it("answers 401 to a revoked, unknown or missing token on every route", async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      for (const token of [w.tokens.revokedB, "psa_this_token_was_never_issued_000000", null]) {
        const res = await call(r, token);
        if (res.status !== 401) wrong.push(`${r.method} ${r.path} (${token ? token.slice(0, 12) : "none"}) → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("lets A's own token use every read route (the isolation checks are not vacuous)", async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.method === "GET")) {
      const res = await call(r, w.tokens.adminA);
      if (res.status >= 500 || res.status === 401 || res.status === 403) wrong.push(`${r.path} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
    const status = await call({ method: "GET", path: "/status" }, w.tokens.adminA);
    expect(status.status).toBe(200);
  });
});
