// Runs a vitest project in a child process and collects the JSON lines a test prints with
// a given `event` (e.g. bench.result, chaos.report), echoing each one as it arrives.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { ROOT } from "./local-stack.mjs";

/**
 * @param {string[]} args vitest arguments after `run`
 * @param {string} event the `event` value to collect
 * @param {Record<string, string>} env extra environment
 * @param {(line: Record<string, unknown>, childPid: number) => void} [onOther] called, as it arrives, with any other JSON line that has an `event`
 * @returns {Promise<{ code: number, events: Record<string, unknown>[] }>}
 */
export function runVitestCollecting(args, event, env = {}, onOther) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", ...args], {
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
        const other = onOther ? line.indexOf('{"event":"') : -1;
        if (at < 0 && other >= 0 && onOther) {
          onOther(JSON.parse(line.slice(other)), child.pid ?? 0);
          continue;
        }
        if (at < 0) {
          const plain = stripVTControlCharacters(line);
          // A heartbeat for long runs: tickets synced so far. The Worker logs objects, which
          // vitest prints inspected and coloured, even with FORCE_COLOR=0 (`event: 'ticket.synced',`).
          if (plain.includes("event: 'ticket.synced'") && ++synced % 1000 === 0) console.log(`  … ${synced} tickets synced`);
          // Test results still reach the terminal; log lines and their headers do not.
          if (!/std(out|err) \|/.test(line) && /^\s*(Test Files|Tests |FAIL|✓|×|AssertionError|Error)/.test(plain)) console.log(line);
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

/**
 * Pids of every descendant of `pid` (from /proc).
 * @param {number} pid
 */
function descendants(pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const kids = children.get(stack.pop() ?? 0) ?? [];
    out.push(...kids);
    stack.push(...kids);
  }
  return out;
}

/**
 * CPU time (ms) used so far by the workerd processes below `pid`, summed over their threads
 * (/proc/…/task/…/schedstat, nanoseconds). Linux only; null elsewhere.
 * @param {number} pid
 */
export function workerdCpuMs(pid) {
  if (!existsSync("/proc")) return null;
  let ns = 0;
  for (const p of descendants(pid)) {
    try {
      if (readFileSync(`/proc/${p}/comm`, "utf8").trim() !== "workerd") continue;
      for (const t of readdirSync(`/proc/${p}/task`)) ns += Number(readFileSync(`/proc/${p}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ns / 1e6;
}
