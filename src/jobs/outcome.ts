import { AppError, BudgetSpent } from "../lib/errors";

/**
 * What a job asks of the queue edge. Jobs never ack or retry messages themselves;
 * only `settle` (in the consumer) turns an outcome into ack/retry.
 */
export type JobOutcome =
  | { kind: "done" }
  | { kind: "retry"; reason: string; delaySeconds?: number }
  /** Not a failure (psa-sync's own call budget is spent): sent again later without using up a delivery attempt. */
  | { kind: "defer"; reason: string; delaySeconds: number }
  /** Will never succeed as sent: recorded as a failure for the admin, then acked. */
  | { kind: "reject"; reason: string };

/** The longest backoff delay unless RETRY_MAX_SECONDS says otherwise. */
export const MAX_BACKOFF_SECONDS = 15 * 60;

/**
 * Exponential backoff from the delivery attempt (1-based), capped at `maxSeconds`, with
 * "equal jitter" (half fixed, half random) so a burst of failures does not retry in lockstep.
 */
export function backoffSeconds(attempts: number, random: () => number = Math.random, baseSeconds = 5, maxSeconds = MAX_BACKOFF_SECONDS): number {
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempts - 1));
  return Math.ceil(ceiling / 2 + (ceiling / 2) * random());
}

/** Codes that will fail the same way however often they are retried. */
const PERMANENT = new Set(["invalid_payload", "not_found", "unauthorized", "forbidden"]);

/**
 * Maps an error thrown by a job to an outcome. Permanent failures are rejected (recorded,
 * then acked); everything else, including unexpected errors, is retried: failed work is
 * never acked silently.
 */
export function outcomeOfError(err: unknown): JobOutcome {
  if (err instanceof BudgetSpent) return { kind: "defer", reason: err.code, delaySeconds: err.retryAfter ?? 1 };
  if (err instanceof AppError) {
    if (PERMANENT.has(err.code)) return { kind: "reject", reason: `${err.code}: ${err.message}` };
    return { kind: "retry", reason: err.code, delaySeconds: err.retryAfter };
  }
  return { kind: "retry", reason: err instanceof Error ? err.message : String(err) };
}
