// `npm run bench [-- --quick]`: runs test/bench in the Workers pool against the sandbox,
// collects each `bench.result` line, writes bench/results.json and bench/results.md.
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { phaseProfiler } from "./cpu-profile.mjs";
import { freePort, ROOT } from "./local-stack.mjs";
import { machine, runVitestCollecting, workerdCpuMs, writeReport } from "./vitest-events.mjs";

const quick = process.argv.includes("--quick");
const started = Date.now();
/** @type {Record<string, unknown>[]} */
const results = [];

/**
 * At each phase mark of test/bench/cpu.test.ts: a CPU profile of the runtime's isolates
 * (through its inspector port) for even batches, the runtime's CPU (from /proc) for odd ones.
 * Never both: the profiler's sampling costs the process 2–3 times the CPU it measures.
 * @typedef {import("./cpu-profile.mjs").PhaseProfile} PhaseProfile
 * @type {Map<string, { kind: string, tickets: number, start?: number, end?: number, profile?: Promise<PhaseProfile | undefined> }>}
 */
const phases = new Map();
const inspectorPort = await freePort();
const profiler = phaseProfiler(inspectorPort, ROOT);
const warn = (/** @type {unknown} */ err) => console.error(`cpu profile: ${err instanceof Error ? err.message : String(err)}`);
const onPhase = (/** @type {Record<string, unknown>} */ line, /** @type {number} */ childPid) => {
  if (line.event === "bench.cpu.begin") profiler.attach().catch(warn);
  if (line.event !== "bench.phase") return;
  const key = `${line.kind}#${line.batch}`;
  const phase = phases.get(key) ?? { kind: String(line.kind), tickets: Number(line.tickets) };
  const profiled = Number(line.batch) % 2 === 0;
  if (!profiled) phase[line.edge === "start" ? "start" : "end"] = workerdCpuMs(childPid) ?? undefined;
  else if (line.edge === "start") profiler.start().catch(warn);
  else phase.profile = profiler.stop().catch((err) => void warn(err));
  phases.set(key, phase);
};
const env = { BENCH: quick ? "quick" : "full" };
const CPU_BENCH = "test/bench/cpu.test.ts";
// The CPU bench runs alone with an inspector port (the pool starts a runtime per file and each
// would claim the port; vitest asks for --no-file-parallelism with --inspect), so the profiler
// slows no other benchmark.
const runs = [
  await runVitestCollecting(
    [
      "--project",
      "workers",
      ...readdirSync(join(ROOT, "test/bench"))
        .filter((f) => f.endsWith(".test.ts") && `test/bench/${f}` !== CPU_BENCH)
        .map((f) => `test/bench/${f}`),
    ],
    "bench.result",
    env,
  ),
  await runVitestCollecting(["--project", "workers", `--inspect=${inspectorPort}`, "--no-file-parallelism", CPU_BENCH], "bench.result", env, onPhase),
];
for (const run of runs) results.push(...run.events);
/** @type {Map<string, PhaseProfile | undefined>} */
const profiles = new Map(await Promise.all([...phases].map(async ([key, p]) => /** @type {const} */ ([key, await p.profile]))));
await profiler.close();

/** Median and p95 (nearest rank) of a series, to 0.01 ms. @param {number[]} values */
const quantiles = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => +(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN).toFixed(2);
  return { medianMs: at(0.5), p95Ms: at(0.95) };
};
const OWNERS = ["worker", "harness", "emulator", "runtime", "gc"];
for (const kind of ["create", "update", "no-op"]) {
  const ofKind = [...phases.entries()].filter(([, p]) => p.kind === kind);
  const measured = ofKind.flatMap(([, p]) => (p.start !== undefined && p.end !== undefined ? [(p.end - p.start) / p.tickets] : []));
  if (measured.length > 0) {
    const whole = quantiles(measured);
    results.push({
      name: `cpu per ticket: ${kind}`,
      batches: measured.length,
      ticketsPerBatch: ofKind[0]?.[1].tickets ?? 0,
      medianMs: +whole.medianMs.toFixed(1),
      p95Ms: +whole.p95Ms.toFixed(1),
    });
  }
  const profiled = ofKind.flatMap(([key, p]) => {
    const profile = profiles.get(key);
    return profile ? [{ profile, tickets: p.tickets }] : [];
  });
  if (profiled.length === 0) continue;
  const perTicket = (/** @type {string} */ owner) => quantiles(profiled.map(({ profile, tickets }) => (profile.ms[owner] ?? 0) / tickets));
  const worker = perTicket("worker");
  results.push({
    name: `worker cpu per ticket (profile): ${kind}`,
    batches: profiled.length,
    medianMs: worker.medianMs,
    p95Ms: worker.p95Ms,
    ...Object.fromEntries(OWNERS.slice(1).map((o) => [`${o}MedianMs`, perTicket(o).medianMs])),
    samplePeriodUs: quantiles(profiled.map(({ profile }) => profile.periodUs)).medianMs,
  });
}

/** The largest self times over every profiled phase, per synced ticket, by owner. */
const allProfiled = [...phases].flatMap(([key, p]) => {
  const profile = profiles.get(key);
  return profile ? [{ profile, tickets: p.tickets }] : [];
});
const ticketsProfiled = allProfiled.reduce((n, p) => n + p.tickets, 0);
/** @type {Map<string, { owner: string, fn: string, ms: number }>} */
const byFunction = new Map();
/** The Worker's time by part of its bundle: a src/ folder, a package, or runtime built-ins. @type {Map<string, number>} */
const workerParts = new Map();
for (const { profile } of allProfiled)
  for (const f of profile.functions) {
    const where = f.url.startsWith("/") ? relative(ROOT, f.url).replace(/^(\.\.\/)+(main\/)?/, "") : f.url;
    const fn = `${f.functionName} (${where}:${f.line})`;
    const entry = byFunction.get(`${f.owner} ${fn}`) ?? { owner: f.owner, fn, ms: 0 };
    entry.ms += f.ms;
    byFunction.set(`${f.owner} ${fn}`, entry);
    if (f.owner !== "worker") continue;
    const part = /^src\/[^/]+/.exec(where)?.[0] ?? /^node_modules\/([^/]+)/.exec(where)?.[1] ?? "runtime built-ins";
    workerParts.set(part, (workerParts.get(part) ?? 0) + f.ms);
  }
const workerByPart = Object.fromEntries(
  [...workerParts].sort((a, b) => b[1] - a[1]).map(([part, ms]) => [part, +(ms / Math.max(1, ticketsProfiled)).toFixed(2)]),
);
const hotSpots = Object.fromEntries(
  ["worker", "harness", "emulator"].map((owner) => [
    owner,
    [...byFunction.values()]
      .filter((f) => f.owner === owner)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, owner === "worker" ? 12 : 5)
      .map((f) => ({ function: f.fn, msPerTicket: +(f.ms / Math.max(1, ticketsProfiled)).toFixed(3) })),
  ]),
);
for (const r of results.filter((r) => String(r.name).includes("cpu per ticket"))) console.log(`  ${JSON.stringify(r)}`);
const failed = runs.find((run) => run.code !== 0);
if (failed) {
  console.error(`vitest exited ${failed.code}`);
  process.exit(failed.code);
}

const out = {
  at: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  machine: machine(),
  wallSeconds: Math.round((Date.now() - started) / 1000),
  results,
  workerByPart,
  hotSpots,
};
writeReport("results.json", out);

const row = (/** @type {Record<string, unknown>} */ r) =>
  `| ${r.name} | ${Object.entries(r)
    .filter(([k]) => k !== "name")
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")} |`;
const md = `# Benchmark results

${out.at} · ${out.mode} mode · ${out.machine} · ${out.wallSeconds} s in all

| benchmark | figures |
|---|---|
${results.map(row).join("\n")}

The Worker's profiled time by part, ms per synced ticket (all three kinds together): ${Object.entries(workerByPart)
  .map(([part, ms]) => `${part} ${ms}`)
  .join(", ")}.

Largest self times in the profiled CPU phases, ms per synced ticket (all three kinds together):

| owner | function (file:line) | ms per ticket |
|---|---|---|
${Object.entries(hotSpots)
  .flatMap(([owner, fns]) => fns.map((f) => `| ${owner} | ${f.function} | ${f.msPerTicket} |`))
  .join("\n")}

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
tickets; median and p95 over the odd batches. It is an upper bound on the Worker's own CPU time: the runtime cannot read
its own CPU clock, and in production the API and database work happen elsewhere.

**Worker CPU per ticket (profile)** comes from V8 CPU profiles of the even batches, taken through the runtime's
inspector port (Profiler.start/stop, 100 µs asked; \`samplePeriodUs\` is the period the sampler really kept), one
profile of the test runner's isolate (the Worker's code, its queue consumers and Durable Objects, and the test harness)
and one of the sandbox's. Each sample counts as one sampling period and goes to an owner by its frame's script:
**worker** is psa-sync's src/ and the packages bundled with it (hono, drizzle-orm, zod); **harness** is the test
code, vitest and the pool's runner; **emulator** is the sandbox; a runtime built-in (fetch, setTimeout, the D1
client, crypto) is charged to the code that called it; **runtime** is V8's "(program)" and built-ins with no JS
caller, **gc** its garbage collector; "(idle)" is not counted. Not profiled: miniflare's local D1 and Queues (SQLite
runs outside any JS isolate; in production D1 is not the Worker's CPU time either) and workerd's own threads. The
profiled and the whole-process batches are kept apart because the sampler costs the process 2 to 3 times the CPU
it measures; under the profiler the Worker's own code runs somewhat slower too, so the worker figure leans high.

**Peak queue depth** is the most ticket-sync messages of the backfill run outstanding at once (handed over, not yet
done), sampled every 250 ms. Meanwhile the schedule tries to start another run every 2 s: a try while the backfill
is still listing is skipped, one after its listing is complete starts a run (\`scheduledRunsStartedAfterListing\`), as
the platform's rule allows; **overlapping listings** counts the 250 ms samples in which more than one run of the
tenant had not finished listing (the rule says none).
`;
writeFileSync(join(ROOT, "bench", "results.md"), md);
console.log(`\nwrote bench/results.json and bench/results.md (${out.wallSeconds} s)`);
