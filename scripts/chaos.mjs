// `npm run chaos`: the convergence-under-faults scenario at full size (CHAOS_* to resize),
// with the checker's figures printed as a table and written to bench/chaos.json.
import { machine, runVitestCollecting, writeReport } from "./vitest-events.mjs";

const started = Date.now();
const env = {
  CHAOS_TENANTS: process.env.CHAOS_TENANTS ?? "3",
  CHAOS_REQUESTS: process.env.CHAOS_REQUESTS ?? "100",
  CHAOS_COMMENTS: process.env.CHAOS_COMMENTS ?? "10",
};
const { code, events } = await runVitestCollecting(["--project", "workers", "test/integration/chaos.test.ts"], "chaos.report", env);
const report = events[0];
if (report) {
  /** @typedef {{ expected: number, found: number, duplicated: number }} Counts */
  const reports = /** @type {{ tickets: Counts, commentsToCw: Counts, notesToPortal: Counts, echoes: number, diverged: number }[]} */ (report.reports);
  const sum = (/** @type {(r: typeof reports[number]) => number} */ pick) => reports.reduce((n, r) => n + pick(r), 0);
  /** @type {[string, string][]} */
  const rows = [
    ["tickets expected / found / duplicated", `${sum((r) => r.tickets.expected)} / ${sum((r) => r.tickets.found)} / ${sum((r) => r.tickets.duplicated)}`],
    [
      "comments → CW notes expected / found / duplicated",
      `${sum((r) => r.commentsToCw.expected)} / ${sum((r) => r.commentsToCw.found)} / ${sum((r) => r.commentsToCw.duplicated)}`,
    ],
    [
      "technician notes → portal expected / found / duplicated",
      `${sum((r) => r.notesToPortal.expected)} / ${sum((r) => r.notesToPortal.found)} / ${sum((r) => r.notesToPortal.duplicated)}`,
    ],
    ["echoes", String(sum((r) => r.echoes))],
    ["fields diverged", String(sum((r) => r.diverged))],
    ["API calls faulted", String(report.faultedCalls)],
    ["messages dead-lettered / replayed", `${report.deadLettered} / ${report.replayed}`],
  ];
  console.log(`\nchaos: ${JSON.stringify(report.config)}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(58)} ${v}`);
  writeReport("chaos.json", {
    at: new Date().toISOString(),
    machine: machine(),
    wallSeconds: Math.round((Date.now() - started) / 1000),
    passed: code === 0,
    ...report,
  });
}
process.exit(code);
