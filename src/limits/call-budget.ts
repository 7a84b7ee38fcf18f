import { z } from "zod";

/**
 * A per-tenant cap on ConnectWise calls: at most `calls` in any window of `windowMs`.
 * A token bucket (kept as one timestamp, the generic cell rate algorithm): half the cap
 * may go at once, so a typical run (a few hundred calls) is never slowed and never holds
 * a queue consumer waiting; the rest refills steadily, so burst + refill over any window
 * stays under the cap. A long backfill is paced at about half the cap. Pure: the CallBudget
 * Durable Object keeps the one number.
 */
export interface CallLimit {
  calls: number;
  windowMs: number;
}

/** A cap var: "calls/seconds" (e.g. "1000/60"), or "off". */
export const limitVar = (name: string, example: string) =>
  z
    .string()
    .trim()
    .regex(/^(off|\d+\/\d+)$/, `${name} must be "calls/seconds" (e.g. ${example}) or "off"`)
    .transform((v): CallLimit | null => {
      if (v === "off") return null;
      const [calls, seconds] = v.split("/").map(Number) as [number, number];
      return calls > 0 && seconds > 0 ? { calls, windowMs: seconds * 1000 } : null;
    });

/** CW_CALL_LIMIT: "calls/seconds" (e.g. "1000/60"), or "off". */
export const callLimitVar = limitVar("CW_CALL_LIMIT", "1000/60");

/** The calls a rested tenant may make at once: half the cap. */
export function burstOf(limit: CallLimit): number {
  return Math.max(1, Math.floor(limit.calls / 2));
}

/**
 * Time between calls once the burst is spent: the rest of the cap spread over the window,
 * less a slack of 2% of the cap. The budget decides when a call may leave; the API counts
 * when it arrives. The slack absorbs the difference: the cap holds at the API as long as
 * arrival jitter stays under slack × interval (2.5 s at 1000/60).
 */
function intervalOf(limit: CallLimit): number {
  const slack = Math.ceil(limit.calls / 50);
  return limit.windowMs / Math.max(1, limit.calls - burstOf(limit) - slack + 1);
}

export type Reservation = { granted: true; waitMs: number; tat: number } | { granted: false; waitMs: number };

/**
 * Reserves one call at `now` given the theoretical arrival time `tat` (0 when fresh).
 * Granted: the call may start after `waitMs`, and `tat` is the new state. Refused when
 * the wait would exceed `maxWaitMs`; nothing is reserved then, so a caller that gives up
 * does not push everyone else back.
 */
export function reserve(tat: number, now: number, limit: CallLimit, maxWaitMs: number): Reservation {
  const interval = intervalOf(limit);
  const tolerance = (burstOf(limit) - 1) * interval;
  const base = Math.max(tat, now);
  // The epsilon absorbs float drift from summing intervals.
  const waitMs = Math.max(0, Math.ceil(base - tolerance - now - 1e-6));
  if (waitMs > maxWaitMs) return { granted: false, waitMs };
  return { granted: true, waitMs, tat: base + interval };
}

/**
 * The share of the cap kept for push syncs (a request filed or changed this minute): a
 * backfill's syncs book their calls seconds ahead, so a push sync behind them would wait
 * (or be deferred) for as long. The cap is split into two buckets, each a GCRA of its own:
 * `normal` (90%) for everyone, `reserve` (10%) only for push syncs. Each bucket lets at most
 * its own calls through in any window (calls - slack + 1 ≤ calls), so together they never
 * exceed the cap. A cap too small to split (under 10 calls) keeps no reserve.
 */
export function splitLimit(limit: CallLimit): { normal: CallLimit; reserve: CallLimit | null } {
  const reserved = Math.floor(limit.calls / 10);
  if (reserved === 0) return { normal: limit, reserve: null };
  return { normal: { calls: limit.calls - reserved, windowMs: limit.windowMs }, reserve: { calls: reserved, windowMs: limit.windowMs } };
}

/** The two buckets' theoretical arrival times (0 when fresh). */
export interface BudgetState {
  tat: number;
  reserveTat: number;
}

export type Turn = { granted: true; waitMs: number; state: BudgetState } | { granted: false; waitMs: number };

/**
 * One call at `now`. A normal call books in the normal bucket. A push call (`priority`)
 * takes a free slot of the reserve if it has one now, else queues in the normal bucket like
 * anyone (so a burst of pushes cannot outlast the reserve, and still gets through).
 */
export function takeCall(state: BudgetState, now: number, limit: CallLimit, maxWaitMs: number, priority: boolean): Turn {
  const split = splitLimit(limit);
  if (priority && split.reserve) {
    const fromReserve = reserve(state.reserveTat, now, split.reserve, 0);
    if (fromReserve.granted) return { granted: true, waitMs: 0, state: { ...state, reserveTat: fromReserve.tat } };
  }
  const turn = reserve(state.tat, now, split.normal, maxWaitMs);
  return turn.granted ? { granted: true, waitMs: turn.waitMs, state: { ...state, tat: turn.tat } } : turn;
}
