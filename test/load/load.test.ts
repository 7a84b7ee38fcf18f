import { env } from "cloudflare:test";
import { inArray } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { dispatchTenantRuns } from "../../src/cron/dispatch";
import { inChunks } from "../../src/db/client";
import { failures, syncRuns } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { sandboxControl, useSandboxForFile } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { waitFor } from "../setup/wait-for";

/**
 * Load (issue 7): many tenants, each with a batch of changed tickets, in one cron tick.
 * Every tenant has its own portal user and its own ConnectWise API member, so the sandbox
 * log tells each tenant's calls apart; the cap (CW_CALL_LIMIT) is the production value.
 * `npm run load` (LOAD_TENANTS, LOAD_TICKETS, LOAD_COMMENTS).
 */
const cfg = inject("load");
const TICK_MS = 5 * 60_000;
const CLUSTERS = ["CZJ1234ABC", "CZJ5678DEF", "CZJ9012GHI", "CZJ0000ZZZ"];

useSandboxForFile();

/** The most calls inside any 60-second window [t, t + 60 s). */
function busiestMinute(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - 60_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function inPool<T, R>(items: T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  }));
  return out;
}

describe(`load: ${cfg.tenants} tenants × ${cfg.tickets} changed tickets in one tick`, () => {
  it("completes every tenant's run within the tick, with each tenant under its ConnectWise call cap", async () => {
    const setupStarted = Date.now();
    const tenants = await inPool(Array.from({ length: cfg.tenants }, (_, i) => i), 8, async (i) => {
      const user = { email: `it@load-${i}-${setupStarted}.test`, apiToken: `load-${i}-${setupStarted}` };
      await sandboxControl("/zendesk/end-users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
      const tenant = await createConnectedTenant({ syncFrom: new Date(setupStarted - 1500).toISOString(), portalUser: user, ownCwMember: true });
      const bulk = { email: user.email, count: cfg.tickets, comments: cfg.comments, subjectPrefix: `load ${i}`, clusterIds: CLUSTERS };
      await sandboxControl("/zendesk/requests/bulk", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bulk) });
      return tenant;
    });
    const ids = tenants.map((t) => t.id);
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    await new Promise((r) => setTimeout(r, 1100));

    // The tick: the cron's own fan-out, then every run to its end.
    const tickStarted = Date.now();
    const dispatched = await dispatchTenantRuns(env, "cron", createLogger({ test: "load" }));
    expect(dispatched.dispatched).toBe(cfg.tenants);
    // Up to three ticks; a run still going then is reported (and fails the test), not waited for.
    const runs = await waitFor(
      async () => {
        const rows = await inChunks(ids, (chunk) => db().select().from(syncRuns).where(inArray(syncRuns.tenantId, chunk)));
        return rows.every((r) => r.status !== "queued" && r.status !== "running") || Date.now() - tickStarted > 3 * TICK_MS ? rows : undefined;
      },
      { timeoutMs: 3 * TICK_MS + 60_000, intervalMs: 1000, what: "every run to end" },
    );
    const ended = runs.filter((r) => r.finishedAt);
    const tickMs = runs.length === ended.length ? Math.max(...ended.map((r) => Date.parse(r.finishedAt!))) - tickStarted : Date.now() - tickStarted;

    // Read back independently, through the ConnectWise API: one ticket per request, no duplicates.
    const linkedPerTenant = await inPool(ids, 4, async (id) => {
      const tickets = await technician.ticketsLinkedTo(id);
      return { tickets: tickets.length, distinct: new Set(tickets.map((t) => t.externalXRef)).size };
    });
    const linked = linkedPerTenant.reduce((n, t) => n + t.tickets, 0);
    const duplicates = linkedPerTenant.reduce((n, t) => n + t.tickets - t.distinct, 0);
    const failed = await inChunks(ids, (chunk) => db().select({ id: failures.id }).from(failures).where(inArray(failures.tenantId, chunk)));
    const log = await connectwiseLog();
    const byTenant = new Map<string, number[]>();
    for (const r of log) if (r.caller && ids.includes(r.caller)) (byTenant.get(r.caller) ?? byTenant.set(r.caller, []).get(r.caller)!).push(Date.parse(r.at));
    const perMinute = [...byTenant.values()].map((times) => busiestMinute(times.sort((a, b) => a - b)));
    const report = {
      event: "load.report",
      tenants: cfg.tenants,
      ticketsPerTenant: cfg.tickets,
      commentsPerTicket: cfg.comments,
      setupSeconds: +setupSeconds.toFixed(1),
      tickSeconds: +(tickMs / 1000).toFixed(1),
      withinTick: tickMs <= TICK_MS,
      runsCompleted: runs.filter((r) => r.status === "completed").length,
      ticketsCreated: runs.reduce((n, r) => n + r.ticketsCreated, 0),
      notesMirrored: runs.reduce((n, r) => n + r.commentsMirrored, 0),
      ticketsLinked: linked,
      duplicates,
      failures: failed.length,
      cwCalls: runs.reduce((n, r) => n + r.cwCalls, 0),
      maxCwCallsPerTenantMinute: Math.max(...perMinute),
      cwCallLimit: env.CW_CALL_LIMIT,
      ticketsPerSecond: +(runs.reduce((n, r) => n + r.ticketsCreated, 0) / (tickMs / 1000)).toFixed(1),
    };
    console.info(JSON.stringify(report));
    if (cfg.tenants < 10) {
      const all = ((await (await sandboxControl("/requests?limit=50000")).json()) as { requests: { method: string; path: string; ms: number }[] }).requests;
      const agg = new Map<string, { n: number; ms: number }>();
      for (const r of all) {
        const k = `${r.method} ${r.path.split("?")[0]!.replace(/\d+/g, "N")}`;
        const a = agg.get(k) ?? { n: 0, ms: 0 };
        a.n++;
        a.ms += r.ms;
        agg.set(k, a);
      }
      console.info(JSON.stringify([...agg.entries()].sort((a, b) => b[1].ms - a[1].ms)));
    }

    expect(runs.every((r) => r.status === "completed")).toBe(true);
    expect(linked).toBe(cfg.tenants * cfg.tickets);
    expect(duplicates).toBe(0);
    expect(failed).toHaveLength(0);
    expect(byTenant.size).toBe(cfg.tenants);
    expect(Math.max(...perMinute)).toBeLessThanOrEqual(1000);
    expect(tickMs).toBeLessThanOrEqual(TICK_MS);
  }, 3_600_000);
});

/** The sandbox's whole ConnectWise request log, page by page. */
async function connectwiseLog(): Promise<{ id: number; at: string; caller: string | null }[]> {
  const all: { id: number; at: string; caller: string | null }[] = [];
  for (;;) {
    const res = await sandboxControl(`/requests?api=connectwise&limit=50000&sinceId=${all.at(-1)?.id ?? 0}`);
    const { requests } = (await res.json()) as { requests: { id: number; at: string; caller: string | null }[] };
    all.push(...requests);
    if (requests.length < 50_000) return all;
  }
}
