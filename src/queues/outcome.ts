import { AppError } from "../lib/errors";

/**
 * What a job asks of the queue edge. Jobs never ack or retry messages themselves;
 * only `settle` (in the consumer) turns an outcome into ack/retry.
 */
export type JobOutcome =
  | { kind: "done" }
  | { kind: "retry"; reason: string; delaySeconds?: number }
  /** Will never succeed as sent: recorded as a failure for the admin, then acked. */
  | { kind: "reject"; reason: string };

const MAX_BACKOFF_SECONDS = 15 * 60;

/** Exponential backoff from the delivery attempt (1-based), capped. */
export function backoffSeconds(attempts: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, 5 * 2 ** Math.max(0, attempts - 1));
}

/** Maps an error thrown by a job to an outcome: typed retryable errors retry, others too (never ack failed work). */
export function outcomeOfError(err: unknown): JobOutcome {
  if (err instanceof AppError) {
    if (err.retryable) return { kind: "retry", reason: err.code, delaySeconds: err.retryAfter };
    if (err.code === "invalid_payload") return { kind: "reject", reason: `${err.code}: ${err.message}` };
  }
  return { kind: "retry", reason: err instanceof Error ? err.message : String(err) };
}
