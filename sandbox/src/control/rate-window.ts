/**
 * The pure counting rule behind the sandbox's rate limits: a sliding 60-second window.
 * A call admitted at time t holds one slot of its budget during [t, t + 60 s).
 */
export const WINDOW_MS = 60_000;

export interface Verdict {
  allowed: boolean;
  limit: number;
  /** Slots left after this call (0 when refused). */
  remaining: number;
  /** Whole seconds until a slot frees (≥ 1) when refused; 0 when allowed. */
  retryAfterSeconds: number;
}

/** Arrival times (ms) still inside the window at `now`. */
export function windowStart(now: number): number {
  return now - WINDOW_MS;
}

/**
 * Decides one call against `limit` given earlier admitted calls' arrival times (any order;
 * the `limit` most recent are enough). Refused calls are not counted by the caller, so
 * Retry-After is exact: after that wait the call is admitted.
 */
export function decide(hits: readonly number[], limit: number, now: number): Verdict {
  const live = hits.filter((t) => t > windowStart(now)).sort((a, b) => b - a);
  if (live.length < limit) return { allowed: true, limit, remaining: limit - live.length - 1, retryAfterSeconds: 0 };
  // Newest first: the limit-th newest call is the one whose expiry brings the count below the limit.
  const freeingAt = live[limit - 1]! + WINDOW_MS;
  return { allowed: false, limit, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((freeingAt - now) / 1000)) };
}
