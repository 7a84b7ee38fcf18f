import { createDb, nowIso } from "../db/client";
import { addRunTickets, completeRunIfDone, markListingComplete, startRun } from "../db/queries/runs";
import { clearResyncRequested, listResyncRequested } from "../db/queries/ticket-links";
import type { Logger } from "../lib/log";
import { tenantSyncMessage, type TicketSyncMessage } from "../schemas/messages";
import type { JobOutcome } from "./outcome";
import { sendTenantSync, sendTicketSync } from "./send";
import { settleBatch } from "./settle";

/** Tickets handed to ticket-sync per invocation: bounded work per message. */
export const TICKETS_PER_PAGE = 100;

/**
 * One page of a tenant run: finds changed tickets, sends one ticket-sync message each,
 * and only then moves on (a continuation message for the next page, or the end of the
 * listing). A redelivered page re-sends the same tickets; ticket sync is idempotent.
 */
export async function runTenantPage(env: Env, body: unknown, logger: Logger): Promise<JobOutcome> {
  const parsed = tenantSyncMessage.safeParse(body);
  if (!parsed.success) return { kind: "reject", reason: "invalid_payload: not a tenant-sync message" };
  const msg = parsed.data;
  const db = createDb(env.DB);
  const log = logger.with({ tenant: msg.tenantId, run: msg.runId });

  if (!(await startRun(db, msg.tenantId, msg.runId))) {
    log.info("run.already_finished");
    return { kind: "done" };
  }

  const after = msg.page?.source === "resync" && msg.page.cursor ? Number(msg.page.cursor) : 0;
  const page = await listResyncRequested(db, msg.tenantId, after, TICKETS_PER_PAGE);
  const ids = page.map((p) => p.portalTicketId);
  await addRunTickets(db, msg.tenantId, msg.runId, ids);
  const messages: TicketSyncMessage[] = ids.map((portalTicketId) => ({
    kind: "ticket-sync",
    v: 1,
    tenantId: msg.tenantId,
    runId: msg.runId,
    portalTicketId,
    reason: "resync",
  }));
  await sendTicketSync(env, messages);
  await clearResyncRequested(db, msg.tenantId, ids);
  log.info("run.page_sent", { source: "resync", tickets: ids.length });

  if (ids.length === TICKETS_PER_PAGE) {
    await sendTenantSync(env, [{ ...msg, page: { source: "resync", cursor: String(ids[ids.length - 1]) } }]);
    return { kind: "done" };
  }
  await markListingComplete(db, msg.runId);
  if (await completeRunIfDone(db, msg.runId, nowIso())) log.info("run.completed");
  return { kind: "done" };
}

export const consumeTenantSync = (batch: MessageBatch<unknown>, env: Env, logger: Logger) =>
  settleBatch(env, batch, logger, (body) => runTenantPage(env, body, logger));
