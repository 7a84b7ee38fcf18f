import { afterAll, beforeAll, it } from "vitest";
import { createConnectedTenant } from "../factories/connections";
import { routeFetchToSandbox, sandboxControl } from "../setup/sandbox";
import { agent, customer } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { benchSize, report } from "./bench-helpers";

let spy: ReturnType<typeof routeFetchToSandbox>;
beforeAll(() => {
  spy = routeFetchToSandbox();
});
afterAll(async () => {
  await sandboxControl("/faults", { method: "DELETE" });
  spy.mockRestore();
});

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
});

it("backfill: a tenant's first import with a realistic per-call latency", async () => {
  const { requests, comments, latencyMs } = benchSize().backfill;
  const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString() });
  for (let i = 0; i < requests; i++) {
    const id = await customer.createRequest({ subject: `backfill ${i}`, body: `request ${i}`, clusterId: ["CZJ1234ABC", "CZJ5678DEF", "CZJ0000ZZZ"][i % 3] });
    for (let c = 0; c < comments; c++) await customer.comment(id, `comment ${c}`);
  }
  for (const api of ["connectwise", "zendesk"]) {
    await sandboxControl("/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ api, rate: 1, kinds: ["slow"], slowMs: latencyMs }) });
  }
  const started = Date.now();
  const run = await syncTenantNow(tenant.id, { timeoutMs: 3_600_000 });
  const ms = Date.now() - started;
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
  });
});
