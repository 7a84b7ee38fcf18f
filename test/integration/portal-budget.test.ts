import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { portalBudgetedFetch, portalClientFor } from "../../src/connectors/for-tenant";
import { liveFetch, portalBaseUrl } from "../../src/egress/fetch";
import { portalBudgetStub } from "../../src/jobs/stubs";
import { createLogger } from "../../src/lib/log";
import { syncTicket } from "../../src/sync/sync-ticket";
import { failures, portalConnections, syncRuns, ticketLinks } from "../../src/db/schema";
import { BudgetSpent } from "../../src/lib/errors";
import { accountBurst, accountPace, portalLimitVar } from "../../src/limits/portal-budget";
import { createTenantWithCustomer, PORTAL_BASE } from "../factories/connections";
import { db } from "../factories/tenants";
import { SANDBOX_ORIGIN, useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { addFault } from "./connectors/helpers";
import { busiestWindow } from "../setup/windows";
import { waitFor } from "../setup/wait-for";

/**
 * One portal budget for the whole account (PORTAL_CALL_LIMIT, PortalBudget Durable Object),
 * shared fairly. This file runs in its own vitest project ("portal-budget", vitest.config.ts)
 * with PORTAL_CALL_LIMIT = 120/30, so the budget binds and its pauses slow nobody else.
 */
useSandbox();

const LIMIT = portalLimitVar.parse(env.PORTAL_CALL_LIMIT)!;

const loggedCalls = z.object({ requests: z.array(z.object({ id: z.number(), at: z.string(), method: z.string(), path: z.string(), status: z.number() })) });

async function zendeskCalls(sinceId = 0) {
  const res = await env.SANDBOX.fetch(new Request(`${SANDBOX_ORIGIN}/_sandbox/requests?api=zendesk&sinceId=${sinceId}&limit=50000`));
  return loggedCalls.parse(await res.json()).requests;
}
const lastId = async () => (await zendeskCalls()).at(-1)?.id ?? 0;

/** Makes the sandbox enforce the account's own limit, as Zendesk does (429 over it). */
async function limitSandboxAccount(perMinute: number): Promise<void> {
  const res = await env.SANDBOX.fetch(
    new Request(`${SANDBOX_ORIGIN}/_sandbox/limits`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api: "zendesk", perMinute }),
    }),
  );
  expect(res.ok, await res.text()).toBe(true);
}

const portalRow = async (tenantId: string) => (await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenantId)))[0]!;

describe(`one portal budget for the whole account (PORTAL_CALL_LIMIT ${env.PORTAL_CALL_LIMIT}), shared fairly`, () => {
  it("six tenants syncing at once finish exactly, under the cap, with no 429, and the small ones are not starved by the busy one", async () => {
    expect(LIMIT).toEqual({ calls: 120, windowMs: 30_000 });
    const syncFrom = new Date(Date.now() - 2000).toISOString();
    const tenants = await Promise.all(Array.from({ length: 6 }, () => createTenantWithCustomer({ syncFrom })));
    // Tenant 0 is busy (10 requests); the other five have 3 each. One comment on each request.
    // 25 ticket syncs: one queue batch (max_batch_size), so the budget, not the queue, orders them.
    const requests: number[][] = [];
    for (const [i, { customer }] of tenants.entries()) {
      const ids: number[] = [];
      for (let k = 0; k < (i === 0 ? 10 : 3); k++) {
        const id = await customer.createRequest({ subject: `budget ${i}-${k}`, body: `Request ${i}-${k}.`, priority: "normal", clusterId: "CZJ1234ABC" });
        await customer.comment(id, `comment on ${i}-${k}`);
        ids.push(id);
      }
      requests.push(ids);
    }
    // The account itself allows 300 a minute; psa-sync's cap (240 a minute) leaves the vendor the rest.
    await limitSandboxAccount(300);
    const since = await lastId();

    const runs = await Promise.all(tenants.map(({ tenant }) => syncTenantNow(tenant.id, { timeoutMs: 170_000 })));

    // Exactly once: every request linked once, one CW ticket each, nothing failed or dead-lettered.
    for (const [i, { tenant }] of tenants.entries()) {
      expect(runs[i], `tenant ${i}`).toMatchObject({
        status: "completed",
        failures: 0,
        ticketsCreated: requests[i]!.length,
        commentsMirrored: requests[i]!.length,
      });
      const links = await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenant.id));
      expect(links.map((l) => l.portalTicketId).sort()).toEqual([...requests[i]!].sort());
      expect(links.every((l) => l.cwTicketId !== null && l.state === "ok")).toBe(true);
      const cwTickets = await technician.ticketsLinkedTo(tenant.id);
      expect(cwTickets).toHaveLength(requests[i]!.length);
      expect(new Set(cwTickets.map((t) => t.externalXRef)).size).toBe(requests[i]!.length);
      expect(await db().select().from(failures).where(eq(failures.tenantId, tenant.id))).toEqual([]);
    }

    // Under the cap at the portal, and never refused by it.
    const calls = await zendeskCalls(since);
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    const times = calls.map((c) => Date.parse(c.at));
    expect(busiestWindow(times, LIMIT.windowMs)).toBeLessThanOrEqual(LIMIT.calls);
    expect(busiestWindow(times, 60_000)).toBeLessThanOrEqual(240);
    // The budget paced the run: after the burst, calls left an interval apart.
    const spanMs = Math.max(...times) - Math.min(...times);
    expect(spanMs).toBeGreaterThanOrEqual(0.9 * (calls.length - accountBurst(LIMIT)) * accountPace(LIMIT).interval);

    // Fair: each small tenant's run ended before the busy tenant's (first come, first served
    // would have interleaved the busy tenant's ten ticket syncs with theirs to the end).
    const ended = await Promise.all(
      tenants.map(
        async ({ tenant }) =>
          (
            await db()
              .select({ at: syncRuns.finishedAt })
              .from(syncRuns)
              .where(and(eq(syncRuns.tenantId, tenant.id), eq(syncRuns.status, "completed")))
          )[0]!.at!,
      ),
    );
    for (let i = 1; i < 6; i++) expect(ended[i]! < ended[0]!, `small tenant ${i} ended ${ended[i]}, busy ${ended[0]}`).toBe(true);
    console.log(JSON.stringify({ portalCalls: calls.length, busiestWindow: busiestWindow(times, LIMIT.windowMs), spanMs, ended }));
  });

  it("a 429 with Retry-After pauses the whole account: another tenant's call waits it out, one that may not wait that long is deferred unsent", async () => {
    const [a, b] = await Promise.all([createTenantWithCustomer(), createTenantWithCustomer()]);
    const id = await a.customer.createRequest({ subject: "paused", body: "429 here", priority: "normal" });
    await addFault({ api: "zendesk", rate: 1, kinds: ["429"], retryAfterSeconds: 5, pathPattern: `/api/v2/requests/${id}$` });
    const since = await lastId();

    const portalA = await portalClientFor(env, await portalRow(a.tenant.id));
    await expect(portalA.getRequest(id)).rejects.toMatchObject({ code: "rate_limited", retryAfter: 5 });

    // A call allowed to wait only a second is deferred (BudgetSpent, re-sent later by the queue edge), and sends nothing.
    const impatient = portalBudgetedFetch(env, b.tenant.id, liveFetch, { maxWaitMs: 1_000 });
    const refused = await impatient(`${PORTAL_BASE}/api/v2/users/me`).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(BudgetSpent);
    expect((refused as BudgetSpent).retryAfter).toBe(5);
    expect(await zendeskCalls(since)).toHaveLength(1);

    // Another tenant's ordinary call sleeps through the pause.
    const portalB = await portalClientFor(env, await portalRow(b.tenant.id));
    await portalB.me();
    const calls = await zendeskCalls(since);
    expect(calls.map((c) => [c.path.split("?")[0], c.status])).toEqual([
      [`/zendesk/api/v2/requests/${id}`, 429],
      ["/zendesk/api/v2/users/me", 200],
    ]);
    const gap = Date.parse(calls[1]!.at) - Date.parse(calls[0]!.at);
    expect(gap).toBeGreaterThanOrEqual(4_900);
    expect(gap).toBeLessThan(8_000);
    await env.SANDBOX.fetch(new Request(`${SANDBOX_ORIGIN}/_sandbox/faults`, { method: "DELETE" }));
  });

  it("a response reporting 10% or less of the account's limit remaining pauses every tenant for a quarter window; more does not", async () => {
    const [a, b] = await Promise.all([createTenantWithCustomer(), createTenantWithCustomer()]);
    /** The portal as the vendor's own use would leave it: `remaining` of 700 left. */
    const reporting = (remaining: number) => async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await liveFetch(input, init);
      const headers = new Headers(res.headers);
      headers.set("X-Rate-Limit", "700");
      headers.set("X-Rate-Limit-Remaining", String(remaining));
      return new Response(res.body, { status: res.status, headers });
    };
    const portalB = await portalClientFor(env, await portalRow(b.tenant.id));

    const plenty = await lastId();
    await (await portalClientFor(env, await portalRow(a.tenant.id), reporting(71))).me();
    await portalB.me();
    const unpaused = await zendeskCalls(plenty);
    expect(unpaused).toHaveLength(2);
    expect(Date.parse(unpaused[1]!.at) - Date.parse(unpaused[0]!.at)).toBeLessThan(1_000);

    const low = await lastId();
    await (await portalClientFor(env, await portalRow(a.tenant.id), reporting(70))).me();
    await portalB.me();
    const paused = await zendeskCalls(low);
    expect(paused).toHaveLength(2);
    const gap = Date.parse(paused[1]!.at) - Date.parse(paused[0]!.at);
    expect(gap).toBeGreaterThanOrEqual(LIMIT.windowMs / 4 - 100);
    expect(gap).toBeLessThan(LIMIT.windowMs / 4 + 2_000);
  });

  // Last in the file: its pause holds the account for 24 s.
  it("a ticket sync the budget makes wait after its first call sleeps through it and makes exactly the calls of an unhurried sync (deferred, it would start over and repeat them)", async () => {
    const { tenant, customer } = await createTenantWithCustomer();
    const ids: number[] = [];
    for (const subject of ["first", "calm", "busy"]) {
      ids.push(await customer.createRequest({ subject, body: `${subject}: a request.`, clusterId: "CZJ1234ABC" }));
      await customer.comment(ids.at(-1)!, `a comment on ${subject}`);
    }
    const [first, calm, busy] = ids as [number, number, number];
    const sync = (portalTicketId: number) =>
      syncTicket(env, { tenantId: tenant.id, portalTicketId, runId: null }, createLogger({ test: true, ticket: portalTicketId }));
    const shape = (calls: Awaited<ReturnType<typeof zendeskCalls>>, id: number) =>
      calls.map((c) => `${c.method} ${c.path.split("?")[0]!.replace(String(id), "N")} ${c.status}`);

    // The first sync also learns the connected user (/users/me); the next two do not.
    await sync(first);
    const calmSince = await lastId();
    expect((await sync(calm)).warnings).toEqual([]);
    const unhurried = shape(await zendeskCalls(calmSince), calm);
    expect(unhurried[0]).toBe("GET /zendesk/api/v2/requests/N 200");
    expect(unhurried.length).toBeGreaterThanOrEqual(2);

    // The sync's first read is held 3 s at the portal; while it is out, another tenant's 429
    // pauses the account for 24 s: its next call would wait over 20 s, the limit before deferring.
    await addFault({ api: "zendesk", rate: 1, kinds: ["slow"], slowMs: 3_000, method: "GET", pathPattern: `/api/v2/requests/${busy}$` });
    const since = await lastId();
    const running = sync(busy);
    const arrived = async () => {
      const res = await env.SANDBOX.fetch(new Request(`${SANDBOX_ORIGIN}/_sandbox/faults`));
      const { faults } = z.object({ faults: z.array(z.object({ draws: z.number() })) }).parse(await res.json());
      return faults[0]!.draws > 0 || undefined;
    };
    await waitFor(arrived, { timeoutMs: 10_000, intervalMs: 25, what: "the first read to reach the portal" });
    await portalBudgetStub(env, portalBaseUrl(env)).rateLimited("another-tenant", LIMIT, 24_000);
    // The pause was set while that read was still out (the sandbox logs a call when it answers).
    expect(await zendeskCalls(since)).toEqual([]);

    const result = await running;
    expect(result.warnings).toEqual([]);
    const calls = await zendeskCalls(since);
    // The same calls as the unhurried sync, once each: nothing read again.
    expect(shape(calls, busy)).toEqual(unhurried);
    expect(result.stats.portalCalls).toBe(unhurried.length);
    // It slept through the pause between its first and second call.
    expect(Date.parse(calls[1]!.at) - Date.parse(calls[0]!.at)).toBeGreaterThanOrEqual(20_000);
    const [link] = await db()
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenant.id), eq(ticketLinks.portalTicketId, busy)));
    expect(link).toMatchObject({ state: "ok", lastError: null });
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(3);
    await env.SANDBOX.fetch(new Request(`${SANDBOX_ORIGIN}/_sandbox/faults`, { method: "DELETE" }));
  });
});
