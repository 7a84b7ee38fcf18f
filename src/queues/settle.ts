import { createDb } from "../db/client";
import { recordFailures, type FailureInput } from "../db/queries/failures";
import type { Logger } from "../lib/log";
import { errorFields } from "../lib/log";
import { backoffSeconds, MAX_BACKOFF_SECONDS, outcomeOfError, type JobOutcome } from "../jobs/outcome";

/** Queues refuse a retry delay over 12 hours. */
const QUEUE_MAX_DELAY_SECONDS = 12 * 60 * 60;

/** A seconds var within [min, max]; anything else (unset, malformed) is `fallback`. */
function secondsVar(value: string | undefined, fallback: number, min: number, max = QUEUE_MAX_DELAY_SECONDS): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

/** First retry delay (RETRY_BASE_SECONDS; doubles per attempt) and the longest (RETRY_MAX_SECONDS, at least a second). */
export const retryBackoff = (env: Pick<Env, "RETRY_BASE_SECONDS" | "RETRY_MAX_SECONDS">) => ({
  baseSeconds: secondsVar(env.RETRY_BASE_SECONDS, 5, 0),
  maxSeconds: secondsVar(env.RETRY_MAX_SECONDS, MAX_BACKOFF_SECONDS, 1),
});

/** Sends a message's body again after a delay (as a new message, so no attempt is used up). */
export type Requeue = (body: unknown, delaySeconds: number) => Promise<void>;

/**
 * The queue edge: runs `job` for each message of the batch independently (one bad
 * message never fails the batch), then acks, retries with backoff, defers (sent again,
 * then acked), or records a rejected message as a failure and acks it.
 */
export async function settleBatch(
  env: Env,
  batch: MessageBatch<unknown>,
  logger: Logger,
  job: (body: unknown, message: Message<unknown>) => Promise<JobOutcome>,
  requeue?: Requeue,
): Promise<void> {
  const { baseSeconds, maxSeconds } = retryBackoff(env);
  const rejected: FailureInput[] = [];
  const rejectedMessages: Message<unknown>[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      let outcome: JobOutcome;
      try {
        outcome = await job(message.body, message);
      } catch (err) {
        logger.error("queue.job_failed", { queue: batch.queue, messageId: message.id, attempts: message.attempts, ...errorFields(err) });
        outcome = outcomeOfError(err);
      }
      if (outcome.kind === "defer" && requeue) {
        // Sent before the ack: a crash in between delivers the message twice, never zero times.
        try {
          await requeue(message.body, outcome.delaySeconds);
          logger.info("queue.deferred", { queue: batch.queue, messageId: message.id, delaySeconds: outcome.delaySeconds, code: outcome.reason });
          message.ack();
          return;
        } catch (err) {
          logger.warn("queue.defer_failed", { queue: batch.queue, messageId: message.id, ...errorFields(err) });
          outcome = { kind: "retry", reason: outcome.reason, delaySeconds: outcome.delaySeconds };
        }
      }
      if (outcome.kind === "done") {
        message.ack();
      } else if (outcome.kind === "retry" || outcome.kind === "defer") {
        const delaySeconds = outcome.delaySeconds ?? backoffSeconds(message.attempts, Math.random, baseSeconds, maxSeconds);
        logger.warn("queue.retry", { queue: batch.queue, messageId: message.id, attempts: message.attempts, delaySeconds, code: outcome.reason });
        message.retry({ delaySeconds });
      } else {
        logger.error("queue.rejected", { queue: batch.queue, messageId: message.id, code: outcome.reason });
        rejected.push(failureRow(batch.queue, message, outcome.reason));
        rejectedMessages.push(message);
      }
    }),
  );
  if (rejected.length > 0) {
    // Ack rejected messages only once they are recorded, so none is lost.
    await recordFailures(createDb(env.DB), rejected);
    for (const m of rejectedMessages) m.ack();
  }
}

export function failureRow(queue: string, message: Message<unknown>, reason: string): FailureInput {
  const body = message.body;
  const tenantId = body && typeof body === "object" && "tenantId" in body && typeof body.tenantId === "string" ? body.tenantId : null;
  return {
    tenantId,
    queue,
    messageId: message.id,
    body: JSON.stringify(body ?? null).slice(0, 10_000),
    reason: reason.slice(0, 1_000),
    attempts: message.attempts,
  };
}
