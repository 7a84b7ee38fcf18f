// `npm run bench [-- --quick]`: runs test/bench in the Workers pool against the sandbox,
// collects each `bench.result` line, writes bench/results.json and bench/results.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./local-stack.mjs";
import { machine, runVitestCollecting, writeReport } from "./vitest-events.mjs";

const quick = process.argv.includes("--quick");
const started = Date.now();
/** @type {Record<string, unknown>[]} */
const results = [];

const run = await runVitestCollecting(["--project", "workers", "test/bench"], "bench.result", { BENCH: quick ? "quick" : "full" });
results.push(...run.events);
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

Server times are measured inside the Workers runtime (performance.now advances with I/O), against local D1.
Peak queue depth and Worker CPU per ticket are not measured yet.
`;
writeFileSync(join(ROOT, "bench", "results.md"), md);
console.log(`\nwrote bench/results.json and bench/results.md (${out.wallSeconds} s)`);
