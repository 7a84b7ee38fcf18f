import { env } from "cloudflare:test";
import { and, eq, isNotNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { connectwiseClientFor } from "../../src/connectors/for-tenant";
import { callBudgetStub } from "../../src/jobs/stubs";
import { connectwiseConnections, ticketLinks } from "../../src/db/schema";
import { BudgetSpent } from "../../src/lib/errors";
import { createLogger } from "../../src/lib/log";
import { callLimitVar } from "../../src/limits/call-budget";
import { syncTicket } from "../../src/sync/sync-ticket";
import { createConnectedTenant, createTenantWithCustomer } from "../factories/connections";
import { db } from "../factories/tenants";
import { sandboxControl, useSandbox } from "../setup/sandbox";

useSandbox();

/** The ConnectWise calls the sandbox received from this tenant's own API member. */
async function callsOf(tenantId: string): Promise<{ at: string; status: number }[]> {
  const res = await sandboxControl("/requests?api=connectwise&limit=50000");
  const { requests } = (await res.json()) as { requests: { at: string; status: number; caller: string | null }[] };
  return requests.filter((r) => r.caller === tenantId);
}

function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function cwRow(tenantId: string) {
  const [row] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId));
  return row!;
}

describe("per-tenant ConnectWise call cap (CW_CALL_LIMIT, CallBudget Durable Object)", () => {
  it("keeps a tenant's concurrent syncs together under the cap, measured at the API", async () => {
    const tenant = await createConnectedTenant({ ownCwMember: true });
    const row = await cwRow(tenant.id);
    // 300 calls per 3 s: the same shape as 1000/60 (half at once, the rest paced), faster.
    const capped = { ...env, CW_CALL_LIMIT: "300/3" };
    const setup = (await callsOf(tenant.id)).length;
    // 20 ticket syncs at once, each with its own client, as a busy run has.
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const cw = await connectwiseClientFor(capped, row);
        for (let i = 0; i < 25; i++) await cw.listBoards();
      }),
    );
    const calls = (await callsOf(tenant.id)).slice(setup);
    expect(calls).toHaveLength(500);
    expect(calls.every((c) => c.status === 200)).toBe(true);
    const times = calls.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
    const busiest = busiestWindow(times, 3000);
    expect(busiest).toBeLessThanOrEqual(300);
    // Paced, not starved: the cap is used (500 calls under a cap of 300 per window span more than one window).
    expect(busiest).toBeGreaterThan(250);
  });

  it("refuses, before sending anything, a call that would wait longer than it may sleep", async () => {
    const tenant = await createConnectedTenant({ ownCwMember: true });
    const cw = await connectwiseClientFor({ ...env, CW_CALL_LIMIT: "2/60" }, await cwRow(tenant.id));
    const setup = (await callsOf(tenant.id)).length;
    await cw.listBoards();
    const refused = await cw.listBoards().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(BudgetSpent);
    expect((refused as BudgetSpent).retryAfter).toBeGreaterThan(20);
    expect((refused as BudgetSpent).message).toMatch(/cap of 2 calls per 60 s/);
    expect(await callsOf(tenant.id)).toHaveLength(setup + 1);
  });

  it("a push sync is not delayed by a backlog that keeps the budget spent: it uses the reserve, a run's sync is deferred", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ ownCwMember: true });
    const pushed = await customer.createRequest({ subject: "Filed amid an import", body: "Mirror me now.", clusterId: "CZJ1234ABC" });
    const backlogged = await customer.createRequest({ subject: "Part of the import", body: "Mirror me later.", clusterId: "CZJ1234ABC" });
    // The production cap, spent as an import's syncs spend it: 700 calls booked at once
    // (the 450 of the normal bucket's burst, then about 35 s of paced slots ahead).
    const capped = { ...env, CW_CALL_LIMIT: "1000/60" };
    const limit = callLimitVar.parse(capped.CW_CALL_LIMIT)!;
    const budget = callBudgetStub(env, tenant.id);
    for (let i = 0; i < 700; i++) expect((await budget.reserve(limit, 60_000)).granted).toBe(true);
    const setup = (await callsOf(tenant.id)).length;
    const log = createLogger({ test: true });

    const deferred = await syncTicket(capped, { tenantId: tenant.id, portalTicketId: backlogged, runId: null, reason: "portal_changed" }, log).catch(
      (err: unknown) => err,
    );
    expect(deferred).toBeInstanceOf(BudgetSpent);
    expect((deferred as BudgetSpent).retryAfter).toBeGreaterThan(20);
    expect(await callsOf(tenant.id)).toHaveLength(setup);

    const started = Date.now();
    const result = await syncTicket(capped, { tenantId: tenant.id, portalTicketId: pushed, runId: null, reason: "webhook" }, log);
    // No reserved call waited: well under the 20 s a sleeping call may wait, let alone the 35 s backlog.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.cwTicketId).not.toBeNull();
    // Only the pushed request has a ConnectWise ticket; the deferred one sent nothing.
    const linked = await db()
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenant.id), isNotNull(ticketLinks.cwTicketId)));
    expect(linked.map((l) => l.portalTicketId)).toEqual([pushed]);
    const calls = (await callsOf(tenant.id)).slice(setup);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.status < 300)).toBe(true);
  });

  it("leaves other tenants' budgets alone", async () => {
    const busy = await createConnectedTenant({ ownCwMember: true });
    const quiet = await createConnectedTenant({ ownCwMember: true });
    const capped = { ...env, CW_CALL_LIMIT: "2/60" };
    const busyCw = await connectwiseClientFor(capped, await cwRow(busy.id));
    await busyCw.listBoards();
    await expect(busyCw.listBoards()).rejects.toBeInstanceOf(BudgetSpent);
    const quietCw = await connectwiseClientFor(capped, await cwRow(quiet.id));
    await expect(quietCw.listBoards()).resolves.toBeDefined();
  });
});
