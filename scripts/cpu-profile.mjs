// Profiles the bench's measured phases: one CPU profile per phase of the test runner's isolate
// (which holds the Worker) and of the sandbox's, attributed to owners by
// scripts/profile-attribution.mjs.
import { openProfilers, waitForTargets } from "./inspector-profiler.mjs";
import { attributeProfile, ownersOf, samplingPeriodUs } from "./profile-attribution.mjs";

/** Sampling interval asked of V8, µs; the real one is measured from each profile (reported). */
const INTERVAL_US = 100;
const RUNNER = "core:user:vitest-plugin-runner-workers";
const SANDBOX = "core:user:psa-sync-sandbox";
/**
 * Isolates to profile. Not miniflare's local D1 and Queues: each profiled isolate adds to the
 * sampler's cost, and their work is not the Worker's (SQLite runs outside any isolate).
 */
const wanted = (/** @type {string} */ id) => id === RUNNER || id === SANDBOX;

/**
 * @typedef {{ ms: Record<string, number>, functions: import("./profile-attribution.mjs").FunctionTime[], periodUs: number }} PhaseProfile
 */

/**
 * Calls arrive as the test's marks do, synchronously; each runs after the previous one.
 * @param {number} port the runtime's inspector port
 * @param {string} root the repository's absolute path
 */
export function phaseProfiler(port, root) {
  /** @type {Promise<unknown>} */
  let chain = Promise.resolve();
  /** @type {Awaited<ReturnType<typeof openProfilers>> | undefined} */
  let profilers;
  /** @template T @param {() => Promise<T>} step @returns {Promise<T>} */
  const inOrder = (step) => {
    const next = chain.then(step);
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    /** Attaches to the isolates (before the first phase, while the test sets up). */
    attach: () =>
      inOrder(async () => {
        profilers = await openProfilers(await waitForTargets(port, wanted, [RUNNER, SANDBOX]), INTERVAL_US);
      }),
    start: () => inOrder(async () => void (await profilers?.start())),
    /** @returns {Promise<PhaseProfile | undefined>} the phase's self time per owner, summed over isolates */
    stop: () =>
      inOrder(async () => {
        if (!profilers) return undefined;
        const byTarget = await profilers.stop();
        // The runner's isolate runs the most, so its profile tells the sampler's period best;
        // the sandbox's (sparser bursts) is counted with it.
        const runner = byTarget.get(RUNNER);
        /** @type {PhaseProfile} */
        const out = { ms: {}, functions: [], periodUs: (runner && samplingPeriodUs(runner)) ?? INTERVAL_US };
        for (const [id, profile] of byTarget) {
          if (!profile) continue;
          const { ms, functions } = attributeProfile(profile, ownersOf(id, root), out.periodUs);
          for (const [owner, v] of Object.entries(ms)) out.ms[owner] = (out.ms[owner] ?? 0) + v;
          out.functions.push(...functions);
        }
        return out;
      }),
    close: () => inOrder(async () => profilers?.close()),
  };
}
