import { env } from "cloudflare:test";
import { and, eq, sql } from "drizzle-orm";
import { it } from "vitest";
import { startTenantRun } from "../../src/cron/dispatch";
import { runTickets, syncRuns } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { db } from "../factories/tenants";
import { createConnectedTenant } from "../factories/connections";
import { sandboxControl, useSandboxForFile } from "../setup/sandbox";
import { agent, customer } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { benchSize, report } from "./bench-helpers";

useSandboxForFile();

type Logged = { id: number; api: string; method: string };
async function callsSince(sinceId: number): Promise<Logged[]> {
  const res = await sandboxControl(`/requests?sinceId=${sinceId}&limit=50000`);
  return ((await res.json()) as { requests: Logged[] }).requests;
}
const lastId = async () => (await callsSince(0)).at(-1)?.id ?? 0;
const pause = () => new Promise((r) => setTimeout(r, 1100));

it("API economy: one steady-state tick with a known set of changes", async () => {
  const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString() });
  const ids: number[] = [];
  for (let i = 0; i < 10; i++) {
    const id = await customer.createRequest({ subject: `economy ${i}`, body: "base", priority: "normal", clusterId: "CZJ1234ABC" });
    await customer.comment(id, "first comment");
    ids.push(id);
  }
  for (let r = 0; r < 3; r++) {
    await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    await pause();
  }
  // The changes: 2 new tickets (each with one comment), 3 new comments, 2 status changes, 3 untouched.
  for (let i = 0; i < 2; i++) await customer.comment(await customer.createRequest({ subject: `economy new ${i}`, body: "new", clusterId: "CZJ1234ABC" }), "its comment");
  for (const id of ids.slice(0, 3)) await customer.comment(id, "another comment");
  for (const id of ids.slice(3, 5)) await agent.update(id, { status: "pending" });
  await pause();
  const since = await lastId();
  await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
  const calls = await callsSince(since);
  const count = (api: string, write?: boolean) => calls.filter((c) => c.api === api && (write === undefined || (c.method !== "GET") === write)).length;
  // Minimum a perfect client needs (derivation in bench/results.md).
  const minPortal = 1 + 2 + 3;
  const minCw = 1 + 2 * 4 + 3 + 2;
  report("api economy", {
    portalCalls: count("zendesk"),
    portalWrites: count("zendesk", true),
    portalMinimum: minPortal,
    portalRatio: +(count("zendesk") / minPortal).toFixed(2),
    cwCalls: count("connectwise"),
    cwWrites: count("connectwise", true),
    cwMinimum: minCw,
    cwRatio: +(count("connectwise") / minCw).toFixed(2),
  });
}, 3_600_000);

it.each(benchSize().backfill.sizes)("backfill: a tenant's first import of %i requests with a realistic per-call latency", async (requests) => {
  const { comments, latencyMs } = benchSize().backfill;
  // Its own portal user, so the listing holds exactly this backfill.
  const user = { email: `it@backfill-${requests}-${Date.now()}.test`, apiToken: `backfill-${requests}-${Date.now()}` };
  await sandboxControl("/zendesk/end-users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
  const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString(), portalUser: user });
  const bulk = { email: user.email, count: requests, comments, subjectPrefix: "backfill", clusterIds: ["CZJ1234ABC", "CZJ5678DEF", "CZJ0000ZZZ"] };
  await sandboxControl("/zendesk/requests/bulk", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bulk) });
  await pause();
  for (const api of ["connectwise", "zendesk"]) {
    await sandboxControl("/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ api, rate: 1, kinds: ["slow"], slowMs: latencyMs }) });
  }
  const started = Date.now();
  const running = syncTenantNow(tenant.id, { timeoutMs: 3_600_000 });
  // Meanwhile: the ticket-sync messages outstanding (handed over, not yet done), and the
  // schedule trying to start more runs of the tenant every 2 s (each must be skipped).
  let peakDepth = 0;
  let tries = 0;
  let done = false;
  void running.finally(() => (done = true));
  while (!done) {
    const [row] = await db()
      .select({ outstanding: sql<number>`count(*)` })
      .from(runTickets)
      .where(and(eq(runTickets.tenantId, tenant.id), eq(runTickets.state, "queued")));
    peakDepth = Math.max(peakDepth, row?.outstanding ?? 0);
    if (++tries % 8 === 0) await startTenantRun(env, tenant.id, "cron", createLogger({ bench: "backfill" }));
    await new Promise((r) => setTimeout(r, 250));
  }
  const run = await running;
  const ms = Date.now() - started;
  const runs = await db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenant.id));
  const real = runs.filter((r) => r.status !== "skipped").map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt ?? r.startedAt)] as const);
  const overlapping = real.filter(([s1, e1], i) => real.some(([s2, e2], j) => i !== j && s1 < e2 && s2 < e1)).length;
  await sandboxControl("/faults", { method: "DELETE" });
  report(`backfill ${requests}`, {
    requests,
    comments: requests * comments,
    latencyMs,
    status: run.status,
    wallSeconds: +(ms / 1000).toFixed(1),
    ticketsPerSecond: +(run.ticketsCreated / (ms / 1000)).toFixed(2),
    notesPerSecond: +(run.commentsMirrored / (ms / 1000)).toFixed(2),
    ticketsCreated: run.ticketsCreated,
    notesMirrored: run.commentsMirrored,
    portalCalls: run.portalCalls,
    cwCalls: run.cwCalls,
    peakQueueDepth: peakDepth,
    scheduledRunsSkipped: runs.filter((r) => r.status === "skipped").length,
    overlappingRuns: overlapping,
  });
}, 3_600_000);
