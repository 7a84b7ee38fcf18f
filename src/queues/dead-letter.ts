import { raiseAttention } from "../alerts/attention";
import { egressFetch } from "../egress/fetch";
import { createDb, nowIso } from "../db/client";
import { runsKeepFailing } from "../db/queries/attention";
import { recordFailures } from "../db/queries/failures";
import { finishRunTicket, markRunsFailed } from "../db/queries/runs";
import type { Logger } from "../lib/log";
import { queueMessage } from "../jobs/messages";
import { failureRow } from "./settle";

/**
 * Dead letters: messages whose retries ran out. Each is recorded for the failures
 * screen (replayable), and the run it belonged to is told, so it can still finish.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env, logger: Logger): Promise<void> {
  const db = createDb(env.DB);
  const sourceQueue = batch.queue.replace(/-dlq$/, "");
  await recordFailures(
    db,
    batch.messages.map((m) => failureRow(sourceQueue, m, "retries exhausted")),
  );
  for (const m of batch.messages) {
    const parsed = queueMessage.safeParse(m.body);
    logger.error("queue.dead_lettered", { queue: sourceQueue, messageId: m.id, tenant: parsed.success ? parsed.data.tenantId : undefined });
    if (!parsed.success) continue;
    const msg = parsed.data;
    if (msg.kind === "ticket-sync" && msg.runId) {
      await finishRunTicket(db, msg.runId, msg.portalTicketId, "failed", nowIso());
    } else if (msg.kind === "tenant-sync") {
      await markRunsFailed(db, [msg.runId], "failed: the run could not list changes (see Failures)", nowIso());
      // A tenant whose runs keep failing is not left to fail silently.
      const problem = await runsKeepFailing(db, msg.tenantId);
      if (problem) await raiseAttention(db, egressFetch(env, "alert"), msg.tenantId, problem, new Date(), { probe: false });
    }
  }
  batch.ackAll();
}
