import { describe, expect, it } from "vitest";
import { burstOf, callLimitVar, reserve, type CallLimit } from "../../../src/limits/call-budget";
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
