// `npm run bench [-- --quick]`: runs test/bench in the Workers pool against the sandbox,
// collects each `bench.result` line, writes bench/results.json and bench/results.md.
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./local-stack.mjs";

const quick = process.argv.includes("--quick");
const started = Date.now();
/** @type {Record<string, unknown>[]} */
const results = [];

await new Promise((resolve, reject) => {
  const child = spawn(join(ROOT, "node_modules", ".bin", "vitest"), ["run", "--project", "workers", "test/bench"], {
    cwd: ROOT,
    env: { ...process.env, BENCH: quick ? "quick" : "full", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buf = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    buf += chunk;
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const line of lines) {
      const at = line.indexOf('{"event":"bench.result"');
      if (at >= 0) {
        const r = JSON.parse(line.slice(at));
        delete r.event;
        results.push(r);
        console.log(`  ${r.name}: ${JSON.stringify(r)}`);
      }
    }
  });
  child.on("exit", (code) => (code === 0 ? resolve(undefined) : reject(new Error(`vitest exited ${code}`))));
});

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${process.platform} ${process.arch}, node ${process.version}`;
const out = { at: new Date().toISOString(), mode: quick ? "quick" : "full", machine, wallSeconds: Math.round((Date.now() - started) / 1000), results };
mkdirSync(join(ROOT, "bench"), { recursive: true });
writeFileSync(join(ROOT, "bench", "results.json"), `${JSON.stringify(out, null, 2)}\n`);

const row = (/** @type {Record<string, unknown>} */ r) => `| ${r.name} | ${Object.entries(r).filter(([k]) => k !== "name").map(([k, v]) => `${k}: ${v}`).join(", ")} |`;
const md = `# Benchmark results

${out.at} · ${out.mode} mode · ${machine} · ${out.wallSeconds} s in all

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
