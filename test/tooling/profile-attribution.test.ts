import { describe, expect, it } from "vitest";
import { attributeProfile, ownersOf, samplingPeriodUs } from "../../scripts/profile-attribution.mjs";

const ROOT = "/repo";
const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: "0" });

/**
 * A small profile of the test runner's isolate: the Worker's code calling fetch and drizzle,
 * the harness's setTimeout patch calling the built-in, a built-in with no JS caller, and
 * V8's pseudo-frames; samples 200 µs apart in three bursts, with gaps of 5 and 3 ms between
 * (the isolate not running).
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
  //         idle prog gc  sync  fetch patch setT fetch is   wait _send sync sync
  samples: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 5, 5],
  timeDeltas: [0, 200, 200, 5000, 200, 200, 200, 3000, 200, 200, 200, 200, 200],
  startTime: 10_000,
  endTime: 20_000,
};

/** Milliseconds to the microsecond, so sums of samples compare exactly. */
const rounded = (ms: Record<string, number>) => Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));

describe("CPU profile attribution (scripts/profile-attribution.mjs)", () => {
  it("the sampling period is the gap within bursts; gaps over 1 ms are the isolate not running", () => {
    expect(samplingPeriodUs(runnerProfile)).toBe(200);
    expect(samplingPeriodUs({ ...runnerProfile, samples: [2, 3, 4], timeDeltas: [0, 4000, 9000] })).toBeNull();
  });

  it("charges each sample's period to the Worker, the harness, the runtime, GC or idle; built-ins to their caller", () => {
    const { ms, functions } = attributeProfile(runnerProfile, ownersOf("core:user:vitest-plugin-runner-workers", ROOT), 200);
    expect(rounded(ms)).toEqual({
      idle: 0.2,
      // (program) and the fetch no JS called
      runtime: 0.4,
      gc: 0.2,
      // syncTicket × 3, the fetch it called, drizzle's `is`, the D1 client's _send under it
      worker: 1.2,
      // the setTimeout patch, the built-in setTimeout it called, waitFor
      harness: 0.6,
    });
    expect(functions.length).toBe(11);
    expect(functions[0]).toEqual({ owner: "worker", functionName: "syncTicket", url: `${ROOT}/src/sync/execute.ts`, line: 42, ms: 0.6 });
    expect(
      functions
        .filter((f) => f.owner === "worker")
        .map((f) => `${f.functionName} ${f.url}:${f.line}`)
        .sort(),
    ).toEqual([
      "_send cloudflare-internal:d1-api:146",
      "fetch :1",
      "is /elsewhere/node_modules/drizzle-orm/entity.js:5",
      `syncTicket ${ROOT}/src/sync/execute.ts:42`,
    ]);
  });

  it("charges every frame of the sandbox's isolate to the emulator, built-ins included", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2, 3] },
        { id: 2, callFrame: frame("(program)") },
        { id: 3, callFrame: frame("handle", ".sandbox-build/index.js", 9), children: [4] },
        { id: 4, callFrame: frame("exec") },
      ],
      samples: [2, 3, 4, 4],
      timeDeltas: [0, 250, 250, 250],
      startTime: 0,
      endTime: 1000,
    };
    expect(rounded(attributeProfile(profile, ownersOf("core:user:psa-sync-sandbox", ROOT), 250).ms)).toEqual({ runtime: 0.25, emulator: 0.75 });
  });
});
