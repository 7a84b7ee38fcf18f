import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimStateDir, foldLoggedObjects, ROOT, startWorker, stateDirOf } from "../../scripts/local-stack.mjs";

/**
 * Two workerd processes on one `--persist-to` directory share its SQLite files, and the
 * second died at start with SQLITE_BUSY (the e2e stack gave admin and sandbox one
 * directory). The stack helpers refuse that before anything is spawned.
 */
describe("local stack: one state directory per Worker", () => {
  const releases: (() => void)[] = [];
  afterEach(() => {
    for (const release of releases.splice(0)) release();
  });

  it("npm start's admin and sandbox Workers keep their state in different directories", () => {
    const admin = stateDirOf({});
    const sandbox = stateDirOf({ config: "sandbox/wrangler.jsonc" });
    expect(admin).toBe(join(ROOT, ".wrangler/state"));
    expect(sandbox).toBe(join(ROOT, "sandbox/.wrangler/state"));
  });

  it("a state directory in use by one Worker is refused to a second, and free again once released", () => {
    const dir = mkdtempSync(join(tmpdir(), "psa-sync-claim-"));
    try {
      const release = claimStateDir(dir, "admin");
      expect(() => claimStateDir(dir, "sandbox")).toThrow(/sandbox cannot use .*: admin already keeps its state there/);
      release();
      releases.push(claimStateDir(dir, "sandbox"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("startWorker refuses a directory another running Worker holds, before spawning anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "psa-sync-claim-"));
    try {
      releases.push(claimStateDir(dir, "admin-e2e"));
      expect(() => startWorker({ name: "sandbox-e2e", config: "sandbox/wrangler.jsonc", port: 1, inspectorPort: 2, persistTo: dir })).toThrow(
        /already keeps its state there/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Lines as `wrangler dev` 4.86 printed them (stdout; stderr with its colours), blank lines
 * dropped as startWorker does; the error's `nested` lines are added, to cover a nested object.
 */
const STDOUT = [
  "[wrangler:info] POST /hooks/connectwise/nohook 404 Not Found (13ms)",
  "{",
  "  level: 'info',",
  "  event: 'cron.dispatched',",
  "  cron: '*/5 * * * *',",
  "  dispatched: 0,",
  "  skipped: 0,",
  "  staleClosed: 0",
  "}",
  "[wrangler:info] POST /login 403 Forbidden (11ms)",
];
const STDERR = [
  "\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1m{ level: 'warn', event: 'probe.warn', tenant: 'tnt_a', code: 'stale' }\x1b[0m",
  "\x1b[31m✘ \x1b[41;31m[\x1b[41;97mERROR\x1b[41;31m]\x1b[0m \x1b[1m{\x1b[0m",
  "    level: 'error',",
  "    event: 'probe.error',",
  "    nested: {",
  "      a: 1",
  "    }",
  "  }",
  '🪵  Logs were written to "/root/.config/.wrangler/logs/wrangler.log"',
];

describe("local stack: a logged object is one output line", () => {
  const fold = (lines: string[]) => {
    const out: string[] = [];
    const emit = foldLoggedObjects((line) => out.push(line));
    for (const line of lines) emit(line);
    return out;
  };

  it("joins the object wrangler prints over several lines, and passes other lines through", () => {
    expect(fold(STDOUT)).toEqual([
      STDOUT[0],
      "{ level: 'info', event: 'cron.dispatched', cron: '*/5 * * * *', dispatched: 0, skipped: 0, staleClosed: 0 }",
      STDOUT[9],
    ]);
    expect(fold(STDERR)).toEqual([STDERR[0], "✘ [ERROR] { level: 'error', event: 'probe.error', nested: { a: 1 } }", STDERR[8]]);
  });
});
