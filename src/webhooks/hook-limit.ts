import { rateLimiterStub } from "../jobs/stubs";
import type { RateRule } from "../limits/rate-limit";

/**
 * Deliveries accepted per hook address and source per minute. A real burst (a bulk edit of
 * hundreds of tickets) stays well under it; past it the sender gets 429 (ConnectWise retries
 * twice, Zendesk retries too) and the 5-minute runs catch whatever was refused.
 */
export const HOOK_DELIVERIES_PER_MINUTE = 600;
export const HOOK_RULE: RateRule = { limit: HOOK_DELIVERIES_PER_MINUTE, windowMs: 60_000 };

export const hookLimiterKey = (source: "portal" | "connectwise", hookId: string) => `hook:${source}:${hookId}`;

/** Counts one delivery; the seconds to wait when the hook is over its limit, else null. */
export async function takeHookDelivery(env: Env, source: "portal" | "connectwise", hookId: string): Promise<number | null> {
  const verdict = await rateLimiterStub(env, hookLimiterKey(source, hookId)).take(HOOK_RULE);
  return verdict.allowed ? null : verdict.retryAfterS;
}
