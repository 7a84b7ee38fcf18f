import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimStateDir, ROOT, startWorker, stateDirOf } from "../../scripts/local-stack.mjs";

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
    const sandbox = stateDirOf({ config: "sandbox/wrangler.toml" });
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
      expect(() => startWorker({ name: "sandbox-e2e", config: "sandbox/wrangler.toml", port: 1, inspectorPort: 2, persistTo: dir })).toThrow(/already keeps its state there/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
