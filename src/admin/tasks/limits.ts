import { rateLimiterStub } from "../../jobs/stubs";
import { AppError } from "../../lib/errors";
import type { RateRule } from "../../limits/rate-limit";

/**
 * Per-tenant allowances for tasks that start runs, so one tenant's admin (or script) cannot
 * keep the shared queues busy: a person never needs more; the 5-minute runs carry the rest.
 */
const TEN_MINUTES = 10 * 60 * 1000;
export const SYNC_NOW_RULE: RateRule = { limit: 6, windowMs: TEN_MINUTES };
/** Single-ticket, bulk resyncs and "apply mappings" together. */
export const RESYNC_RULE: RateRule = { limit: 60, windowMs: TEN_MINUTES };

export type LimitedTask = "sync" | "resync";
const RULES: Record<LimitedTask, RateRule> = { sync: SYNC_NOW_RULE, resync: RESYNC_RULE };
const WORDS: Record<LimitedTask, string> = { sync: "Sync now", resync: "Resync" };

export const taskLimiterKey = (task: LimitedTask, tenantId: string) => `task:${task}:${tenantId}`;

/** Counts one use of the task; throws `rate_limited` (with the wait) when the tenant is over. */
export async function takeTaskAllowance(env: Env, tenantId: string, task: LimitedTask): Promise<void> {
  const rule = RULES[task];
  const verdict = await rateLimiterStub(env, taskLimiterKey(task, tenantId)).take(rule);
  if (verdict.allowed) return;
  const minutes = Math.ceil(verdict.retryAfterS / 60);
  throw new AppError(
    "rate_limited",
    `${WORDS[task]} was used ${rule.limit} times in the last ${rule.windowMs / 60_000} minutes, the most allowed. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}; scheduled runs keep syncing meanwhile.`,
    verdict.retryAfterS,
  );
}
