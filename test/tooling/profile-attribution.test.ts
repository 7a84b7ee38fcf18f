import { describe, expect, it } from "vitest";
import { attributeProfile, ownersOf } from "../../scripts/profile-attribution.mjs";

const ROOT = "/repo";
const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: "0" });

/**
 * A small profile of the test runner's isolate: the Worker's code calling fetch and drizzle,
 * the harness's setTimeout patch calling the built-in, a built-in with no JS caller, and
 * V8's pseudo-frames. Sample i lasts until sample i + 1 (the last one until endTime).
 */
const runnerProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 3, 4, 5, 9, 11] },
    { id: 2, callFrame: frame("(idle)") },
    { id: 3, callFrame: frame("(program)") },
    { id: 4, callFrame: frame("(garbage collector)") },
    { id: 5, callFrame: frame("syncTicket", `${ROOT}/src/sync/execute.ts`, 41), children: [6, 7, 10] },
    { id: 6, callFrame: frame("fetch") },
    { id: 7, callFrame: frame("monkeypatchedSetTimeout", "index.mjs", 712), children: [8] },
    { id: 8, callFrame: frame("setTimeout") },
    { id: 9, callFrame: frame("fetch") },
    { id: 10, callFrame: frame("is", "/elsewhere/node_modules/drizzle-orm/entity.js", 4), children: [12] },
    { id: 11, callFrame: frame("waitFor", `${ROOT}/test/setup/wait-for.ts`, 1) },
    { id: 12, callFrame: frame("_send", "cloudflare-internal:d1-api", 145) },
  ],
  //        idle  prog  gc    sync  fetch  patch setT  fetch  is    wait  _send  sync
  samples: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 5],
  timeDeltas: [0, 1000, 2000, 300, 400, 500, 600, 700, 800, 900, 1000, 1100],
  startTime: 10_000,
  endTime: 10_000 + 9300 + 1200,
};

/** Milliseconds to the microsecond, so sums of samples compare exactly. */
const rounded = (ms: Record<string, number>) => Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));

describe("CPU profile attribution (scripts/profile-attribution.mjs)", () => {
  it("charges self time to the Worker, the harness, the runtime, GC and idle; built-ins to their caller", () => {
    const { ms, functions } = attributeProfile(runnerProfile, ownersOf("core:user:vitest-pool-workers-runner-workers", ROOT));
    expect(rounded(ms)).toEqual({
      idle: 1,
      // (program) 2 and the fetch that no JS called 0.8
      runtime: 2.8,
      gc: 0.3,
      // syncTicket 0.4 + 1.2, the fetch it called 0.5, drizzle's `is` 0.9, the D1 client's _send under it 1.1
      worker: 4.1,
      // the setTimeout patch 0.6, the built-in setTimeout it called 0.7, waitFor 1.0
      harness: 2.3,
    });
    expect(functions.length).toBe(11);
    expect(functions[0]).toEqual({ owner: "runtime", functionName: "(program)", url: "", line: 1, ms: 2 });
    // Largest first; a function's samples add up (syncTicket's two), lines count from 1.
    expect(functions.filter((f) => f.owner === "worker").map((f) => [f.functionName, f.url, f.line, Math.round(f.ms * 1000) / 1000])).toEqual([
      ["syncTicket", `${ROOT}/src/sync/execute.ts`, 42, 1.6],
      ["_send", "cloudflare-internal:d1-api", 146, 1.1],
      ["is", "/elsewhere/node_modules/drizzle-orm/entity.js", 5, 0.9],
      ["fetch", "", 1, 0.5],
    ]);
  });

  it("charges every frame of the sandbox's isolate to the emulator, and of miniflare's D1 and Queues to miniflare", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2, 3] },
        { id: 2, callFrame: frame("(program)") },
        { id: 3, callFrame: frame("handle", ".sandbox-build/index.js", 9), children: [4] },
        { id: 4, callFrame: frame("exec") },
      ],
      samples: [2, 3, 4],
      timeDeltas: [0, 250, 500],
      startTime: 0,
      endTime: 1500,
    };
    expect(rounded(attributeProfile(profile, ownersOf("core:user:psa-sync-sandbox", ROOT)).ms)).toEqual({ runtime: 0.25, emulator: 0.5 + 0.75 });
    expect(rounded(attributeProfile(profile, ownersOf("d1:db", ROOT)).ms)).toEqual({ runtime: 0.25, miniflare: 1.25 });
  });
});
