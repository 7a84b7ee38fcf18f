import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ROOT } from "../../scripts/local-stack.mjs";
import { logSample } from "./tail-capture/sample";

/**
 * README's `wrangler tail` jq recipes, run with jq over real tail JSON: tail-capture/tail-event.json
 * is what workerd (wrangler 4.86's `wrangler dev`) handed a tail consumer for one request that
 * ran logSample(), printed as `wrangler tail --format json` prints an event (4-space indent).
 * Re-capture after changing the logger's shape:
 *   npx wrangler dev -c test/tooling/tail-capture/wrangler.toml -c test/tooling/tail-capture/tail.toml --port 8919
 *   curl localhost:8919; copy the JSON after "TAIL " | jq --indent 4 . > test/tooling/tail-capture/tail-event.json
 * The `[psa-sync-tail-capture]` string before some objects is the label local multi-Worker
 * `wrangler dev` adds to console.info/debug arguments; the recipes skip it (`objects`).
 */
const TAIL_JSON = readFileSync(join(ROOT, "test/tooling/tail-capture/tail-event.json"), "utf8");
const capture = JSON.parse(TAIL_JSON) as { logs: { level: string; message: unknown[] }[] };

/** What each README filter must print for the capture: the events' names, in order. */
const EXPECTED: Record<string, string[]> = {
  '.logs[].message[] | objects | select(.level=="error")': ["queue.dead_lettered", "ticket.sync_failed"],
  '.logs[].message[] | objects | select(.tenant=="tnt_acme_demo")': ["ticket.synced", "queue.retry", "ticket.sync_failed", "run.page_sent"],
  '.logs[].message[] | objects | select(.event=="queue.dead_lettered")': ["queue.dead_lettered"],
};

function readmeJqFilters(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const operations = readme.slice(readme.indexOf("## Operations"), readme.indexOf("## Development"));
  return [...operations.matchAll(/wrangler tail --format json \| jq -c '([^']+)'/g)].map((m) => m[1] ?? "");
}

function jq(filter: string, input: string): Record<string, unknown>[] {
  const out = execFileSync("jq", ["-c", filter], { input, encoding: "utf8" });
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe("README's log recipes, against real tail JSON of our logger", () => {
  it("each jq filter in Operations prints exactly the events it promises", () => {
    if (spawnSync("jq", ["--version"]).error) throw new Error("jq is needed to check the README's tail recipes (apt-get install jq)");
    const filters = readmeJqFilters();
    expect(filters.sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const filter of filters)
      expect(
        jq(filter, TAIL_JSON).map((e) => e.event),
        filter,
      ).toEqual(EXPECTED[filter]);
    // Events come out whole, as objects: fields and redaction as logged, and no timestamp of ours.
    const [failed] = jq('.logs[].message[] | objects | select(.event=="ticket.sync_failed")', TAIL_JSON);
    expect(failed).toEqual({
      level: "error",
      event: "ticket.sync_failed",
      tenant: "tnt_acme_demo",
      run: "run_1",
      ticket: 1043,
      error: "AppError",
      message: "ConnectWise refused the update",
      password: "[redacted]",
    });
  });

  it("the capture is what the logger logs today: the same objects, through the console method tail reports as `level`", () => {
    const calls: { method: string; args: unknown[] }[] = [];
    for (const method of ["log", "debug", "info", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void calls.push({ method, args }));
    }
    logSample();
    expect(calls.map((c) => c.args)).toEqual(capture.logs.map((l) => l.message.filter((m) => typeof m === "object")));
    expect(calls.map((c) => c.method)).toEqual(capture.logs.map((l) => l.level));
  });
});
