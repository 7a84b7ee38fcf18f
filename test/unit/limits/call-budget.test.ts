import { describe, expect, it } from "vitest";
import { burstOf, callLimitVar, reserve, splitLimit, takeCall, type BudgetState, type CallLimit } from "../../../src/limits/call-budget";
import { busiestWindow } from "../../setup/windows";

/** Seeded PRNG so a failing case can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Greedy callers asking at random moments, one call each; returns when each call started. */
function simulate(limit: CallLimit, seed: number, requests: number, spreadMs: number): number[] {
  const random = mulberry32(seed);
  const asks = Array.from({ length: requests }, () => Math.floor(random() * spreadMs)).sort((a, b) => a - b);
  let tat = 0;
  const starts: number[] = [];
  for (const at of asks) {
    const r = reserve(tat, at, limit, Number.POSITIVE_INFINITY);
    if (!r.granted) throw new Error("an unbounded wait is always granted");
    tat = r.tat;
    starts.push(at + r.waitMs);
  }
  return starts;
}

describe("ConnectWise call budget", () => {
  it("never lets more than the cap through in any window, however callers crowd in", () => {
    const limit = { calls: 1000, windowMs: 60_000 };
    for (const seed of [1, 2, 3, 42, 2026]) {
      const starts = simulate(limit, seed, 5000, 90_000);
      expect(busiestWindow(starts, limit.windowMs)).toBeLessThanOrEqual(1000);
    }
  });

  it("still delivers the cap under sustained demand (not over-throttled)", () => {
    const limit = { calls: 1000, windowMs: 60_000 };
    const starts = simulate(limit, 7, 10_000, 1000);
    const spanMs = Math.max(...starts) - Math.min(...starts);
    // 10,000 calls asked for at once: after the burst, paid out at the refill rate (48% of the cap).
    expect(starts.length / (spanMs / 60_000)).toBeGreaterThan(480);
    expect(busiestWindow(starts, limit.windowMs)).toBeLessThanOrEqual(1000);
  });

  it("lets a rested tenant's first half of the cap through without waiting", () => {
    const limit = { calls: 1000, windowMs: 60_000 };
    let tat = 0;
    for (let i = 0; i < burstOf(limit); i++) {
      const r = reserve(tat, 5_000, limit, 0);
      expect(r).toMatchObject({ granted: true, waitMs: 0 });
      if (r.granted) tat = r.tat;
    }
    const next = reserve(tat, 5_000, limit, 0);
    expect(next.granted).toBe(false);
    expect(next.waitMs).toBeGreaterThan(0);
  });

  it("reserves nothing when the wait is refused", () => {
    const limit = { calls: 10, windowMs: 1_000 };
    let tat = 0;
    for (let i = 0; i < 10; i++) {
      const r = reserve(tat, 0, limit, 10_000);
      if (r.granted) tat = r.tat;
    }
    const refused = reserve(tat, 0, limit, 1);
    expect(refused.granted).toBe(false);
    const again = reserve(tat, 0, limit, 10_000);
    expect(again.granted && again.waitMs).toBe(refused.waitMs);
  });

  it("reads CW_CALL_LIMIT as calls/seconds or off, and refuses anything else", () => {
    expect(callLimitVar.parse("1000/60")).toEqual({ calls: 1000, windowMs: 60_000 });
    expect(callLimitVar.parse(" off ")).toBeNull();
    for (const bad of ["1000", "fast", "10/0x", "-1/60", ""]) expect(callLimitVar.safeParse(bad).success).toBe(false);
  });
});

/** Callers asking at the given moments through takeCall (unbounded waits); returns when each call started. */
function simulateCalls(limit: CallLimit, asks: { at: number; priority: boolean }[], state: BudgetState = { tat: 0, reserveTat: 0 }) {
  const starts: { at: number; priority: boolean }[] = [];
  for (const ask of [...asks].sort((a, b) => a.at - b.at)) {
    const turn = takeCall(state, ask.at, limit, Number.POSITIVE_INFINITY, ask.priority);
    if (!turn.granted) throw new Error("an unbounded wait is always granted");
    state = turn.state;
    starts.push({ at: ask.at + turn.waitMs, priority: ask.priority });
  }
  return { starts, state };
}

describe("ConnectWise call budget: the push reserve", () => {
  const limit = { calls: 1000, windowMs: 60_000 };

  it("splits the cap 900 / 100, and keeps no reserve for a cap under 10", () => {
    expect(splitLimit(limit)).toEqual({ normal: { calls: 900, windowMs: 60_000 }, reserve: { calls: 100, windowMs: 60_000 } });
    expect(splitLimit({ calls: 9, windowMs: 60_000 })).toEqual({ normal: { calls: 9, windowMs: 60_000 }, reserve: null });
  });

  it("never lets more than the cap through in any window, pushes and backlog crowding in together", () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const random = mulberry32(seed);
      const asks = Array.from({ length: 6000 }, () => ({ at: Math.floor(random() * 90_000), priority: random() < 0.3 }));
      const { starts } = simulateCalls(limit, asks);
      expect(starts).toHaveLength(6000);
      expect(
        busiestWindow(
          starts.map((s) => s.at),
          limit.windowMs,
        ),
      ).toBeLessThanOrEqual(1000);
    }
  });

  it("normal calls alone get 90% of the cap at most: the reserve stays free", () => {
    const asks = Array.from({ length: 5000 }, (_, i) => ({ at: i, priority: false }));
    const { starts, state } = simulateCalls(limit, asks);
    expect(
      busiestWindow(
        starts.map((s) => s.at),
        limit.windowMs,
      ),
    ).toBeLessThanOrEqual(900);
    expect(state.reserveTat).toBe(0);
  });

  it("a push call is not queued behind a backlog's reservations: a normal call waits seconds, a push call none", () => {
    // A backfill asked for 2,000 calls at once: its last booking starts minutes from now.
    const backlog = simulateCalls(
      limit,
      Array.from({ length: 2000 }, () => ({ at: 0, priority: false })),
    );
    const now = 1_000;
    const normal = takeCall(backlog.state, now, limit, 20_000, false);
    expect(normal).toMatchObject({ granted: false });
    expect(normal.waitMs).toBeGreaterThan(60_000);
    // A push sync's calls (about 10 for a new request with comments) all go at once, from the reserve.
    let state = backlog.state;
    for (let i = 0; i < 10; i++) {
      const push = takeCall(state, now, limit, 20_000, true);
      expect(push).toMatchObject({ granted: true, waitMs: 0 });
      if (push.granted) state = push.state;
    }
    // Only the reserve moved; the backlog's bookings are where they were.
    expect(state.tat).toBe(backlog.state.tat);
    expect(state.reserveTat).toBeGreaterThan(0);
  });

  it("a push call with the reserve spent queues in the normal bucket like any other", () => {
    let state: BudgetState = { tat: 0, reserveTat: 0 };
    // The reserve's burst (half of its 100) goes at once; the next push call finds none free.
    for (let i = 0; i < burstOf({ calls: 100, windowMs: 60_000 }); i++) {
      const t = takeCall(state, 0, limit, 0, true);
      expect(t).toMatchObject({ granted: true, waitMs: 0 });
      if (t.granted) state = t.state;
    }
    const spent = takeCall(state, 0, limit, 0, true);
    expect(spent.granted && spent.state.tat).toBeGreaterThan(0);
    expect(spent.granted && spent.state.reserveTat).toBe(state.reserveTat);
  });
});
