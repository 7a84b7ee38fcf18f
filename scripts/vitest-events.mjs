// Runs a vitest project in a child process and collects the JSON lines a test prints with
// a given `event` (e.g. bench.result, chaos.report), echoing each one as it arrives.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { ROOT } from "./local-stack.mjs";

/**
 * @param {string[]} args vitest arguments after `run`
 * @param {string} event the `event` value to collect
 * @param {Record<string, string>} env extra environment
 * @returns {Promise<{ code: number, events: Record<string, unknown>[] }>}
 */
export function runVitestCollecting(args, event, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, "node_modules", ".bin", "vitest"), ["run", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    /** @type {Record<string, unknown>[]} */
    const events = [];
    const marker = `{"event":"${event}"`;
    let buf = "";
    let synced = 0;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) {
        const at = line.indexOf(marker);
        if (at < 0) {
          // A heartbeat for long runs: tickets synced so far.
          if (line.includes('"event":"ticket.synced"') && ++synced % 1000 === 0) console.log(`  … ${synced} tickets synced`);
          // Test results still reach the terminal; log lines and their headers do not.
          if (!/std(out|err) \|/.test(line) && /^\s*(Test Files|Tests |FAIL|✓|×|AssertionError|Error)/.test(line.replace(/\x1b\[[0-9;]*m/g, ""))) console.log(line);
          continue;
        }
        const r = JSON.parse(line.slice(at));
        delete r.event;
        events.push(r);
        console.log(`  ${JSON.stringify(r)}`);
      }
    });
    child.on("exit", (code) => resolve({ code: code ?? 1, events }));
  });
}

/** The machine a figure came from, for reports. */
export function machine() {
  return `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${process.platform} ${process.arch}, node ${process.version}`;
}

/**
 * Writes a report under bench/ (pretty JSON) and says where.
 * @param {string} name
 * @param {unknown} data
 */
export function writeReport(name, data) {
  mkdirSync(join(ROOT, "bench"), { recursive: true });
  writeFileSync(join(ROOT, "bench", name), `${JSON.stringify(data, null, 2)}\n`);
  console.log(`wrote bench/${name}`);
}
