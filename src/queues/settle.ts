import { createDb } from "../db/client";
import { recordFailures, type FailureInput } from "../db/queries/failures";
import type { Logger } from "../lib/log";
import { errorFields } from "../lib/log";
import { backoffSeconds, outcomeOfError, type JobOutcome } from "./outcome";

/** First retry delay in seconds (RETRY_BASE_SECONDS; doubles per attempt). */
const retryBase = (env: Env) => {
  const n = Number(env.RETRY_BASE_SECONDS);
  return Number.isFinite(n) && n >= 0 ? n : 5;
};

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
        const delaySeconds = outcome.delaySeconds ?? backoffSeconds(message.attempts, Math.random, retryBase(env));
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
  const tenantId =
    body && typeof body === "object" && "tenantId" in body && typeof body.tenantId === "string" ? body.tenantId : null;
  return {
    tenantId,
    queue,
    messageId: message.id,
    body: JSON.stringify(body ?? null).slice(0, 10_000),
    reason: reason.slice(0, 1_000),
    attempts: message.attempts,
  };
}
