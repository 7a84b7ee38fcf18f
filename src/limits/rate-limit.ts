/**
 * A fixed-window counter: at most `limit` hits per `windowMs`. Pure; the RateLimiter
 * Durable Object keeps the state, one object per key, so concurrent hits are counted
 * one at a time (no read-then-write race).
 */
export interface Window {
  start: number;
  count: number;
}

export interface RateRule {
  limit: number;
  windowMs: number;
}

export type Verdict = { allowed: true; remaining: number; window: Window } | { allowed: false; retryAfterS: number; window: Window };

/** Counts one hit at `now`; a refused hit is not counted (retrying does not extend the wait). */
export function hit(current: Window | null, now: number, rule: RateRule): Verdict {
  const window = current && now - current.start < rule.windowMs ? current : { start: now, count: 0 };
  if (window.count >= rule.limit) {
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((window.start + rule.windowMs - now) / 1000)), window };
  }
  const next = { start: window.start, count: window.count + 1 };
  return { allowed: true, remaining: rule.limit - next.count, window: next };
}

/** Whether the window is already full, without counting. */
export function exhausted(current: Window | null, now: number, rule: RateRule): number | null {
  if (!current || now - current.start >= rule.windowMs || current.count < rule.limit) return null;
  return Math.max(1, Math.ceil((current.start + rule.windowMs - now) / 1000));
}
