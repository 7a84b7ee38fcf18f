// Attributes a V8 CPU profile's self time to owners (the Worker's bundle, the test harness,
// the emulator, …). Pure: profile JSON in, milliseconds per owner and per function out.

/**
 * @typedef {{ functionName: string, url: string, lineNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} Profile
 * @typedef {{ owner: string, functionName: string, url: string, line: number, ms: number }} FunctionTime
 */

/** V8's pseudo-frames: not code of anyone's, each its own owner. */
const SPECIAL = new Map([
  ["(idle)", "idle"],
  ["(program)", "runtime"],
  ["(garbage collector)", "gc"],
  ["(root)", "runtime"],
]);

/** A gap between samples longer than this is time the isolate did not run, not a tick. */
const GAP_US = 1000;

/**
 * The sampler's real period, µs: the median gap between consecutive samples, gaps over 1 ms
 * left out. A profile of a workerd isolate is bursts of samples one period apart with long
 * gaps while the isolate does not run (workerd runs many isolates on few threads); on a
 * busy machine the period is longer than the one asked for (about 200 µs for 100 here).
 * Null when the profile has no burst to tell.
 * @param {Profile} profile
 * @returns {number | null}
 */
export function samplingPeriodUs(profile) {
  const ticks = profile.timeDeltas
    .slice(1)
    .filter((d) => d > 0 && d <= GAP_US)
    .sort((a, b) => a - b);
  return ticks.length === 0 ? null : (ticks[Math.floor((ticks.length - 1) / 2)] ?? null);
}

/**
 * Self time per owner: each sample stands for one sampling period (not for the time until
 * the next sample, which spans the isolate's idle gaps). `ownerOf(url)` names the owner of
 * a frame with a script url, or returns null for a runtime built-in (empty url,
 * `node-internal:`, `cloudflare-internal:`): a built-in's time is charged to the nearest
 * caller that has an owner, because the code that calls fetch, setTimeout or the D1 client
 * pays for it in production too. A built-in with no such caller is "runtime".
 * @param {Profile} profile
 * @param {(url: string) => string | null} ownerOf
 * @param {number} periodUs what one sample stands for (samplingPeriodUs)
 * @returns {{ ms: Record<string, number>, functions: FunctionTime[] }} functions by self time, largest first
 */
export function attributeProfile(profile, ownerOf, periodUs) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  /** @type {Map<number, string>} */
  const owners = new Map();
  /** @param {number} id @returns {string} */
  const ownerOfNode = (id) => {
    const known = owners.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame;
    const special = frame && !frame.url ? SPECIAL.get(frame.functionName) : undefined;
    const up = parent.get(id);
    const owner = special ?? (frame?.url ? ownerOf(frame.url) : null) ?? (up === undefined ? "runtime" : ownerOfNode(up));
    owners.set(id, owner);
    return owner;
  };

  /** @type {Map<number, number>} self time per node, µs */
  const self = new Map();
  for (const node of profile.samples) self.set(node, (self.get(node) ?? 0) + periodUs);

  /** @type {Record<string, number>} */
  const ms = {};
  /** @type {Map<string, FunctionTime>} */
  const functions = new Map();
  for (const [id, us] of self) {
    const owner = ownerOfNode(id);
    ms[owner] = (ms[owner] ?? 0) + us / 1000;
    const frame = byId.get(id)?.callFrame ?? { functionName: "", url: "", lineNumber: -1 };
    const key = `${owner}\0${frame.functionName}\0${frame.url}\0${frame.lineNumber}`;
    const fn = functions.get(key) ?? { owner, functionName: frame.functionName || "(anonymous)", url: frame.url, line: frame.lineNumber + 1, ms: 0 };
    fn.ms += us / 1000;
    functions.set(key, fn);
  }
  return { ms, functions: [...functions.values()].sort((a, b) => b.ms - a.ms) };
}

/** The Worker's bundle: psa-sync's own code and the npm packages bundled with it. */
const BUNDLED_PACKAGES = /\/node_modules\/(hono|drizzle-orm|zod)\//;

/**
 * Who owns a frame of a given inspector target (isolate) of the bench's runtime: the test
 * runner's isolate holds the Worker (its queue consumers and Durable Objects too) and the
 * test harness; the sandbox has its own.
 * @param {string} targetId
 * @param {string} root the repository's absolute path
 * @returns {(url: string) => string | null}
 */
export function ownersOf(targetId, root) {
  if (targetId === "core:user:psa-sync-sandbox") return (url) => (isBuiltin(url) ? null : "emulator");
  return (url) => {
    if (isBuiltin(url)) return null;
    return url.startsWith(`${root}/src/`) || BUNDLED_PACKAGES.test(url) ? "worker" : "harness";
  };
}

/** @param {string} url */
const isBuiltin = (url) => url === "" || /^(node-internal|cloudflare-internal|node|workerd-internal):/.test(url);
