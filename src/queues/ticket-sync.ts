import { createDb, nowIso } from "../db/client";
import { finishRunTicket } from "../db/queries/runs";
import type { Logger } from "../lib/log";
import { ticketSyncMessage } from "../jobs/messages";
import { ticketSyncStub } from "../jobs/stubs";
import type { JobOutcome } from "../jobs/outcome";
import { sendTicketSync } from "../jobs/send";
import { settleBatch } from "./settle";

/** Hands one ticket to its TicketSync object, then closes the ticket's part of the run. */
async function syncInItsObject(env: Env, body: unknown, logger: Logger): Promise<JobOutcome> {
  const parsed = ticketSyncMessage.safeParse(body);
  if (!parsed.success) return { kind: "reject", reason: "invalid_payload: not a ticket-sync message" };
  const msg = parsed.data;
  const outcome = await ticketSyncStub(env, msg.tenantId, msg.portalTicketId).sync(msg);
  // A ticket that will never sync (rejected) still ends its part of the run.
  if ((outcome.kind === "done" || outcome.kind === "reject") && msg.runId) {
    const completed = await finishRunTicket(
      createDb(env.DB),
      msg.runId,
      msg.portalTicketId,
      outcome.kind === "done" ? "done" : "failed",
      nowIso(),
      outcome.stats,
    );
    if (completed) logger.info("run.completed", { tenant: msg.tenantId, run: msg.runId });
  }
  return outcome.kind === "done" ? { kind: "done" } : outcome;
}

export const consumeTicketSync = (batch: MessageBatch<unknown>, env: Env, logger: Logger) =>
  settleBatch(
    env,
    batch,
    logger,
    (body) => syncInItsObject(env, body, logger),
    (body, delay) => sendTicketSync(env, [ticketSyncMessage.parse(body)], delay),
  );
