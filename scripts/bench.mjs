// `npm run bench [-- --quick]`: runs test/bench in the Workers pool against the sandbox,
// collects each `bench.result` line, writes bench/results.json and bench/results.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./local-stack.mjs";
import { machine, runVitestCollecting, workerdCpuMs, writeReport } from "./vitest-events.mjs";

const quick = process.argv.includes("--quick");
const started = Date.now();
/** @type {Record<string, unknown>[]} */
const results = [];

/** CPU of the runtime at each phase mark of test/bench/cpu.test.ts, by kind and batch. */
/** @type {Map<string, { tickets: number, start?: number, end?: number }>} */
const phases = new Map();
const onPhase = (/** @type {Record<string, unknown>} */ line, /** @type {number} */ childPid) => {
  if (line.event !== "bench.phase") return;
  const key = `${line.kind}#${line.batch}`;
  const phase = phases.get(key) ?? { tickets: Number(line.tickets) };
  phase[line.edge === "start" ? "start" : "end"] = workerdCpuMs(childPid) ?? undefined;
  phases.set(key, phase);
};
const run = await runVitestCollecting(["--project", "workers", "test/bench"], "bench.result", { BENCH: quick ? "quick" : "full" }, onPhase);
results.push(...run.events);
for (const kind of ["create", "update", "no-op"]) {
  const perTicket = [...phases.entries()]
    .filter(([k, p]) => k.startsWith(`${kind}#`) && p.start !== undefined && p.end !== undefined)
    .map(([, p]) => ((p.end ?? 0) - (p.start ?? 0)) / p.tickets);
  if (perTicket.length === 0) continue;
  const sorted = perTicket.sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  results.push({ name: `cpu per ticket: ${kind}`, batches: sorted.length, ticketsPerBatch: phases.values().next().value?.tickets ?? 0, medianMs: +at(0.5).toFixed(1), p95Ms: +at(0.95).toFixed(1) });
}
if (run.code !== 0) {
  console.error(`vitest exited ${run.code}`);
  process.exit(run.code);
}

const out = { at: new Date().toISOString(), mode: quick ? "quick" : "full", machine: machine(), wallSeconds: Math.round((Date.now() - started) / 1000), results };
writeReport("results.json", out);

const row = (/** @type {Record<string, unknown>} */ r) => `| ${r.name} | ${Object.entries(r).filter(([k]) => k !== "name").map(([k, v]) => `${k}: ${v}`).join(", ")} |`;
const md = `# Benchmark results

${out.at} · ${out.mode} mode · ${out.machine} · ${out.wallSeconds} s in all

| benchmark | figures |
|---|---|
${results.map(row).join("\n")}

**API economy minimum** (a perfect client, for the tick's changes: 2 new tickets with one comment each, 3 new comments,
2 status changes, 3 untouched): portal = 1 listing page + 1 comments read per request with new comments (2 + 3) = 6;
ConnectWise = 1 listing page + per new ticket (configuration lookup, create, attach configuration, one note) 4 × 2
+ one note per new comment (3) + one patch per status change (2) = 14. The ratio is calls made / minimum.
The portal 6 assumes a status change needs no comments read; the Requests API gives no comment count, so without
reading them a status change cannot be told from a new comment: counting those 2 reads the minimum is 8
(\`portalRatioWithStatusReads\`). The ConnectWise 14 counts both configuration lookups, which a client with a cache
(the ClusterID was seen in earlier runs) does not need: 12 would do. "next tick" is the run after the measured one
(psa-sync's own writes are looked at again: one notes read per ticket written), "idle" the run after that.

Server times are measured inside the Workers runtime (performance.now advances with I/O), against local D1.
**CPU per ticket** is the CPU time of the whole local runtime process (workerd: the Worker, its Durable Objects, the
local D1 engine and the sandbox's emulators, all in one process) while a run syncs a batch, divided by the batch's
tickets; median and p95 over the batches. It is an upper bound on the Worker's own CPU time: the runtime cannot read
its own CPU clock, and in production the API and database work happen elsewhere.

**Peak queue depth** is the most ticket-sync messages of the backfill run outstanding at once (handed over, not yet
done), sampled every 250 ms; **overlapping runs** counts runs of the tenant that overlapped in time while the
schedule tried to start another every 2 s (each of those is recorded as skipped).
`;
writeFileSync(join(ROOT, "bench", "results.md"), md);
console.log(`\nwrote bench/results.json and bench/results.md (${out.wallSeconds} s)`);
