import type { Db } from "../db/client";
import { deliverySeen, portalEchoKnown, recordDelivery } from "../db/queries/webhooks";
import { ticketSyncStub } from "../jobs/stubs";
import type { Logger } from "../lib/log";
import { sendTicketSync } from "../jobs/send";
import type { PortalWebhookEvent } from "../schemas/webhooks";
import { echoOutcome, portalEcho } from "./echo";

/**
 * Queues a sync of the ticket unless one queued for it has not started yet (that one will
 * read this change too). The marker is released if the message cannot be sent.
 */
export async function queueSync(env: Env, tenantId: string, portalTicketId: number, reason: "callback" | "webhook"): Promise<"queued" | "coalesced"> {
  const ticket = ticketSyncStub(env, tenantId, portalTicketId);
  const at = Date.now();
  if (!(await ticket.claimPush(at))) return "coalesced";
  try {
    await sendTicketSync(env, [{ kind: "ticket-sync", v: 1, tenantId, runId: null, portalTicketId, reason }]);
  } catch (err) {
    await ticket.releasePush(at).catch(() => undefined);
    throw err;
  }
  return "queued";
}

/** The portal ticket an event is about; null when it names none. */
export function eventTicketId(event: PortalWebhookEvent): number | null {
  const id = Number(event.detail?.id ?? event.subject?.replace(/^zen:ticket:/, ""));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * One verified portal ticket event for one tenant (from its own hook or routed from the
 * vendor's): a duplicate, an echo of psa-sync's own write or a version already synced is
 * answered without a sync; otherwise a (coalesced) ticket sync is queued. Returns the outcome.
 */
export async function settlePortalEvent(
  env: Env,
  db: Db,
  tenant: { id: string; status: string },
  portalUserId: number | null,
  event: PortalWebhookEvent,
  log: Logger,
): Promise<string> {
  if (await deliverySeen(db, tenant.id, "portal", event.id)) return "duplicate";
  const record = () => recordDelivery(db, tenant.id, "portal", event.id);
  const id = eventTicketId(event);
  if (id === null || tenant.status !== "active") {
    await record();
    return "ignored: no ticket";
  }
  const comment = event.event?.comment ?? null;
  const commentId = comment?.id ?? null;
  const known = await portalEchoKnown(db, tenant.id, id, event.type.endsWith("ticket.comment_added") ? commentId : null);
  const echo = portalEcho(
    {
      type: event.type.replace(/^zen:event-type:/, ""),
      updatedAt: event.detail?.updated_at ?? null,
      comment: commentId === null ? null : { id: commentId, authorId: comment?.author?.id ?? null, body: comment?.body ?? null },
    },
    { portalUserId, portalUpdatedAt: known.portalUpdatedAt, links: known.links },
  );
  if (echo) {
    await record();
    log.info("hook.echo_ignored", { ticket: id, code: echo });
    return echoOutcome(echo);
  }
  const queued = await queueSync(env, tenant.id, id, "webhook");
  await record();
  log.info(queued === "queued" ? "hook.queued" : "hook.coalesced", { ticket: id });
  return queued;
}
