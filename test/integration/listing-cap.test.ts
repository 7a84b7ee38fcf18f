import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { maxPagesPerRun } from "../../src/queues/tenant-sync";
import { tenants } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db } from "../factories/tenants";
import { sandboxControl, useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

/**
 * Fairness: an upstream whose paging never ends (the sandbox's "endless" fault: every list
 * response says there is a next page) must not keep a tenant's run listing forever, and
 * the changes it did see must still sync, with no cursor moving past what was not seen.
 */
useSandbox();
afterEach(() => sandboxControl("/faults", { method: "DELETE" }));

const addFault = (rule: Record<string, unknown>) =>
  sandboxControl("/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
const lastRequestId = async () => ((await (await sandboxControl("/requests?limit=50000")).json()) as { requests: { id: number }[] }).requests.at(-1)?.id ?? 0;
const requestsSince = async (sinceId: number) =>
  ((await (await sandboxControl(`/requests?sinceId=${sinceId}&limit=50000`)).json()) as { requests: { path: string; method: string; caller: string | null }[] })
    .requests;

describe("bounded listing per run", () => {
  // The cap is LISTING_MAX_PAGES (100 deployed, 10 here so the endless listing ends in seconds).
  it(`stops the portal listing after LISTING_MAX_PAGES pages when its paging never ends, syncs what it saw, and keeps its cursor`, {
    timeout: 180_000,
  }, async () => {
    expect(maxPagesPerRun(env)).toBe(10);
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString(), ownCwMember: true });
    const requestId = await customer.createRequest({ subject: "Endless paging", body: "Listed forever upstream.", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
    const cwTicket = await technician.ticketFor(tenant.id, requestId);

    // A change on each side, then the portal's request list pages forever.
    await customer.comment(requestId, "Customer update while paging is broken");
    await technician.addNoteInUi(cwTicket.id, "Technician update while paging is broken");
    const before = (await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!;
    await addFault({ api: "zendesk", rate: 1, kinds: ["endless"], method: "GET", pathPattern: "/api/v2/requests$" });
    const since = await lastRequestId();

    const run = await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    expect(run).toMatchObject({ status: "completed", listingComplete: true, failures: 0 });

    const calls = await requestsSince(since);
    const portalListings = calls.filter((r) => r.method === "GET" && /\/api\/v2\/requests\?/.test(r.path) && r.path.includes("sort_by=updated_at"));
    expect(portalListings).toHaveLength(maxPagesPerRun(env));

    // What the run did see crossed over, once each.
    expect((await technician.notes(cwTicket.id)).filter((n) => n.text.endsWith("Customer update while paging is broken"))).toHaveLength(1);
    expect((await customer.comments(requestId)).filter((c) => c.body.endsWith("Technician update while paging is broken"))).toHaveLength(1);

    // The portal lists newest first: its cursor did not move (older pages were never reached),
    // and the run still went on to list ConnectWise and completed.
    const after = (await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!;
    expect(after.portalCursor).toBe(before.portalCursor);
  });
});
