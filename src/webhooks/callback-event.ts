import type { Db } from "../db/client";
import { cwLinkForCallback, deliverySeen, recordDelivery } from "../db/queries/webhooks";
import { portalTicketIdFromXRef } from "../domain/xref";
import { parseJson } from "../lib/json";
import type { Logger } from "../lib/log";
import { callbackTicketEntity, type ConnectwiseCallback } from "../schemas/webhooks";
import { connectwiseEcho, echoOutcome } from "./echo";
import { queueSync } from "./portal-event";

/**
 * One verified ConnectWise callback: a duplicate, a callback of another record type, an echo
 * of psa-sync's own write or a ticket that is not linked is answered without a sync;
 * otherwise a (coalesced) ticket sync is queued. Returns the outcome.
 */
export async function settleCallback(
  env: Env,
  db: Db,
  tenant: { id: string; status: string },
  apiMemberIdentifier: string | null,
  cb: ConnectwiseCallback,
  log: Logger,
): Promise<string> {
  if (await deliverySeen(db, tenant.id, "connectwise", cb.MessageId)) return "duplicate";
  if (cb.Type.toLowerCase() !== "ticket") return "ignored: not a ticket";
  const record = () => recordDelivery(db, tenant.id, "connectwise", cb.MessageId);
  const entity = cb.Entity ? callbackTicketEntity.safeParse(parseJson(cb.Entity)) : null;
  const fields = entity?.success ? entity.data : null;
  const link = await cwLinkForCallback(db, tenant.id, cb.ID);
  const echo = connectwiseEcho(
    { action: cb.Action, memberId: cb.MemberId ?? null, lastUpdated: fields?._info?.lastUpdated ?? null },
    { apiMemberIdentifier, cwUpdatedAt: link?.cwUpdatedAt ?? null },
  );
  if (echo) {
    await record();
    log.info("hook.echo_ignored", { ticket: link?.portalTicketId, cwTicket: cb.ID, code: echo });
    return echoOutcome(echo);
  }
  // Created by us but not yet recorded: its externalXRef still names the portal ticket.
  const portalTicketId = link?.portalTicketId ?? portalTicketIdFromXRef(fields?.externalXRef ?? null, tenant.id);
  if (portalTicketId === null || tenant.status !== "active") {
    await record();
    return "ignored: not a linked ticket";
  }
  const queued = await queueSync(env, tenant.id, portalTicketId, "callback");
  await record();
  log.info(queued === "queued" ? "hook.queued" : "hook.coalesced", { ticket: portalTicketId, cwTicket: cb.ID });
  return queued;
}
