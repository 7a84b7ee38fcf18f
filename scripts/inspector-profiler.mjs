// Takes V8 CPU profiles of the local runtime's isolates through workerd's inspector port
// (Chrome DevTools Protocol: Profiler.enable / setSamplingInterval / start / stop).
// workerd answers a profiler command by echoing it, with `result` when there is one.
import WebSocket from "ws";

/**
 * @typedef {{ id: string, webSocketDebuggerUrl: string }} Target
 * @typedef {import("./profile-attribution.mjs").Profile} Profile
 */

/**
 * The wanted targets (isolates) listed on the inspector port, once the required ones are.
 * @param {number} port
 * @param {(id: string) => boolean} wanted
 * @param {string[]} required
 * @returns {Promise<Target[]>}
 */
export async function waitForTargets(port, wanted, required, timeoutMs = 180_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      /** @type {Target[]} */
      const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      if (required.every((id) => list.some((t) => t.id === id))) return list.filter((t) => wanted(t.id));
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`inspector on port ${port}: no ${required.join(" and ")} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * One profiling session per target; `start()` and `stop()` act on all of them at once.
 * @param {Target[]} targets
 * @param {number} intervalUs sampling interval
 */
export async function openProfilers(targets, intervalUs) {
  const sessions = await Promise.all(targets.map((t) => session(t)));
  for (const s of sessions) {
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: intervalUs });
  }
  return {
    start: () => Promise.all(sessions.map((s) => s.send("Profiler.start"))),
    /** @returns {Promise<Map<string, Profile>>} each target's profile since `start()` */
    stop: async () => new Map(await Promise.all(sessions.map(async (s) => /** @type {[string, Profile]} */ ([s.id, (await s.send("Profiler.stop")).profile])))),
    close: () => {
      for (const s of sessions) s.close();
    },
  };
}

/** @param {Target} target */
async function session(target) {
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  /** @type {Map<number, (result: Record<string, unknown>) => void>} */
  const pending = new Map();
  let next = 0;
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    pending.get(msg.id)?.(msg.result ?? {});
    pending.delete(msg.id);
  });
  // The runtime may end first: nothing waits forever for an answer.
  ws.on("close", () => {
    for (const resolve of pending.values()) resolve({});
    pending.clear();
  });
  return {
    id: target.id,
    /**
     * @param {string} method
     * @param {Record<string, unknown>} [params]
     * @returns {Promise<Record<string, unknown>>}
     */
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}
