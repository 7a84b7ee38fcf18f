import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tenantSettings } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db } from "../factories/tenants";
import { sandboxControl, useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

useSandbox();

/**
 * What a run costs, counted in the sandbox's request log: exact calls per side for an idle
 * tenant, a portal change, a ConnectWise change and a new request (issue 15, item 4).
 */
type Logged = { id: number; api: "zendesk" | "connectwise"; method: string; path: string };
async function callsSince(sinceId: number): Promise<Logged[]> {
  const res = await sandboxControl(`/requests?sinceId=${sinceId}&limit=5000`);
  return ((await res.json()) as { requests: Logged[] }).requests;
}
const lastId = async () => (await callsSince(0)).at(-1)?.id ?? 0;
/** Both systems stamp whole seconds: a version is remembered once its second is over. */
const settle = () => new Promise((r) => setTimeout(r, 1100));

/** One run, and the calls it made: "METHOD path-without-query" per side. */
async function runAndCount(tenantId: string) {
  const since = await lastId();
  const run = await syncTenantNow(tenantId);
  const calls = await callsSince(since);
  const route = (path: string) =>
    path
      .split("?")[0]!
      .replace(/^\/zendesk\/api\/v2|^\/cw\/v4_6_release\/apis\/3\.0/, "")
      .replace(/\/\d+/g, "/{id}");
  const of = (api: Logged["api"]) =>
    calls
      .filter((c) => c.api === api)
      .map((c) => `${c.method} ${route(c.path)}`)
      .sort();
  return { run, portal: of("zendesk"), cw: of("connectwise"), paths: calls.map((c) => c.path) };
}

async function settledTenant() {
  const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
  const id = await customer.createRequest({ subject: "Economy", body: "Counted calls.", clusterId: "CZJ1234ABC" });
  await customer.comment(id, "A first comment.");
  // The import, then the runs that see its own versions settle (each a second later).
  for (let i = 0; i < 4; i++) {
    await settle();
    const { run } = await runAndCount(tenant.id);
    if (i > 0 && run.ticketsSeen === 0) break;
  }
  const cwTicket = await technician.ticketFor(tenant.id, id);
  return { tenant, customer, id, cwTicket };
}

describe("API economy (sandbox request log)", () => {
  // One tenant through its phases (each run costs seconds: one settled tenant, not three).
  it("idle: one listing call per side; a portal comment: no request read; a ConnectWise change: no portal read; a new request: no externalXRef lookup", {
    timeout: 60_000,
  }, async () => {
    const { tenant, customer, id, cwTicket } = await settledTenant();

    // Idle: the listings, nothing else (identity, board and callback checks are hourly).
    const idle = await runAndCount(tenant.id);
    expect(idle.portal).toEqual(["GET /requests"]);
    expect(idle.cw).toEqual(["GET /service/tickets"]);
    expect(idle.run).toMatchObject({ status: "completed", portalCalls: 1, cwCalls: 1, ticketsSeen: 0 });

    // A portal comment, right after a settings save (the board check comes back once).
    await db().update(tenantSettings).set({ boardCheckedAt: null }).where(eq(tenantSettings.tenantId, tenant.id));
    await customer.comment(id, "A second comment.");
    await settle();
    const changed = await runAndCount(tenant.id);
    // No GET of the request itself: the listing's copy is used; its comments are read once.
    expect(changed.portal).toEqual(["GET /requests", "GET /requests/{id}/comments"]);
    // The page reads the changed requests' tickets in one call; the sync writes the note.
    expect(changed.cw).toEqual(["GET /service/boards/{id}/statuses", "GET /service/tickets", "GET /service/tickets", "POST /service/tickets/{id}/notes"]);
    expect(changed.run).toMatchObject({ status: "completed", commentsMirrored: 1 });
    expect((await technician.notes(cwTicket.id)).filter((n) => n.text.includes("A second comment."))).toHaveLength(1);

    // The note moved the ticket's lastUpdated: the next run reads its new notes only, and not the portal.
    await settle();
    const echo = await runAndCount(tenant.id);
    expect(echo.portal).toEqual(["GET /requests"]);
    expect(echo.cw).toEqual(["GET /service/tickets", "GET /service/tickets/{id}/notes"]);
    expect(echo.paths.filter((p) => p.includes("/notes?")).every((p) => decodeURIComponent(p).includes("id>"))).toBe(true);
    expect(echo.run).toMatchObject({ status: "completed", ticketsSeen: 1, commentsMirrored: 0, notesMirrored: 0 });

    // A technician's change in ConnectWise: no portal call beyond the listing.
    await technician.patch(cwTicket.id, [{ op: "replace", path: "summary", value: "Renamed by a technician" }]);
    await settle();
    const cwOnly = await runAndCount(tenant.id);
    expect(cwOnly.portal).toEqual(["GET /requests"]);
    expect(cwOnly.cw).toEqual(["GET /service/tickets", "GET /service/tickets/{id}/notes"]);

    // A new request: created without looking it up first (no create was attempted before).
    await customer.comment(await customer.createRequest({ subject: "Economy, new", body: "Created once.", clusterId: "CZJ1234ABC" }), "Its comment.");
    await settle();
    const created = await runAndCount(tenant.id);
    expect(created.portal).toEqual(["GET /requests", "GET /requests/{id}/comments"]);
    // The ClusterID's configuration is cached from the first ticket: create, attach, one note.
    expect(created.cw).toEqual([
      "GET /service/tickets",
      "POST /service/tickets",
      "POST /service/tickets/{id}/configurations",
      "POST /service/tickets/{id}/notes",
    ]);
    expect(created.paths.some((p) => decodeURIComponent(p).includes("externalXRef="))).toBe(false);
    expect(created.run).toMatchObject({ status: "completed", ticketsCreated: 1, commentsMirrored: 1 });
  });
});
