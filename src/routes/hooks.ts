import { Hono, type Context } from "hono";
import { createDb } from "../db/client";
import { cwLinkForCallback, deliverySeen, portalEchoKnown, recordDelivery, tenantForHook } from "../db/queries/webhooks";
import { z } from "zod";
import { connectwiseTarget, egressFetch, portalBaseUrl } from "../egress/fetch";
import { bindings, openSecret } from "../lib/secret-binding";
import { createLogger } from "../lib/log";
import { sendTicketSync } from "../queues/send";
import { callbackTicketEntity, connectwiseCallback, portalWebhookEvent } from "../schemas/webhooks";
import { portalTicketIdFromXRef } from "../sync/changes";
import { ticketSyncStub } from "../durable-objects/ticket-sync";
import type { Logger } from "../lib/log";
import { fetchSigningKey, forgetSigningKey, keyUrlProblem } from "../webhooks/callback-key";
import { connectwiseEcho, echoOutcome, portalEcho } from "../webhooks/echo";
import { takeHookDelivery } from "../webhooks/hook-limit";
import { connectwiseSignatureValid, portalSignatureValid, timestampFresh } from "../webhooks/signatures";

/** Bodies past this size are refused unread (both systems send small JSON). */
const MAX_HOOK_BYTES = 256 * 1024;

/**
 * Push endpoints: ConnectWise callbacks and Support Portal webhooks. Each verifies the
 * sender, de-duplicates by delivery id, and only enqueues a ticket sync, so it answers
 * well within ConnectWise's 5 s. The 5-minute runs remain the safety net.
 */
export const hookRoutes = new Hono<{ Bindings: Env }>();

const reply = (c: Context, status: 200 | 400 | 401 | 404 | 413, outcome: string) => c.json({ outcome }, status);
const tooMany = (c: Context, retryAfterS: number) => c.json({ outcome: "too many deliveries" }, 429, { "retry-after": String(retryAfterS) });

async function rawBody(c: Context): Promise<string | null> {
  const length = Number(c.req.header("content-length") ?? "0");
  if (length > MAX_HOOK_BYTES) return null;
  const text = await c.req.text();
  return text.length > MAX_HOOK_BYTES ? null : text;
}

/**
 * Queues a sync of the ticket unless one queued for it has not started yet (that one will
 * read this change too). The marker is released if the message cannot be sent.
 */
async function queueSync(env: Env, tenantId: string, portalTicketId: number, reason: "callback" | "webhook"): Promise<"queued" | "coalesced"> {
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

/** The answer to a delivery that needed no sync, or that a queued one covers. */
async function settled(c: Context, log: Logger, record: () => Promise<void>, event: string, fields: Record<string, unknown>, outcome: string) {
  await record();
  log.info(event, fields);
  return reply(c, 200, outcome);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

hookRoutes.post("/connectwise/:hookId", async (c) => {
  const db = createDb(c.env.DB);
  const found = await tenantForHook(db, c.req.param("hookId"));
  if (!found?.connectwise) return reply(c, 404, "unknown hook");
  const { tenant, connectwise } = found;
  const log = createLogger({ tenant: tenant.id, source: "connectwise-callback" });
  // Counted before the body is read or a key fetched: a flood costs one DO call a delivery.
  const wait = await takeHookDelivery(c.env, "connectwise", tenant.hookId);
  if (wait !== null) {
    log.warn("hook.rate_limited", { retryAfterS: wait });
    return tooMany(c, wait);
  }
  const raw = await rawBody(c);
  if (raw === null) return reply(c, 413, "body too large");
  const parsed = connectwiseCallback.safeParse(parseJson(raw));
  if (!parsed.success) return reply(c, 400, "not a ConnectWise callback");
  const cb = parsed.data;

  const signature = c.req.header("x-content-signature") ?? "";
  if (!signature) {
    log.warn("hook.refused", { code: "unsigned" });
    return reply(c, 401, "signature refused");
  }
  // Only the tenant's own company's key can sign its callbacks (and the signed body must say so).
  const keyProblem = keyUrlProblem(cb.Metadata.key_url, connectwise);
  if (keyProblem || cb.CompanyId.toLowerCase() !== connectwise.companyId.toLowerCase()) {
    log.warn("hook.refused", { code: keyProblem ?? "foreign_company" });
    return reply(c, 401, "signature refused");
  }
  // Through the egress policy like every call, but outside the call budget: a busy tenant's
  // syncs must not make its own callbacks fail verification.
  const egress = egressFetch(c.env, "connectwise", { target: await connectwiseTarget(c.env, tenant.id, connectwise.site) });
  const fetchKey = (u: string, i: RequestInit) => egress(u, { ...i, headers: { clientId: connectwise.clientId } });
  let key = await fetchSigningKey(cb.Metadata.key_url, fetchKey);
  let valid = key !== null && (await connectwiseSignatureValid(raw, signature, key));
  if (!valid && key !== null) {
    // The key may have been rotated since it was cached.
    forgetSigningKey(cb.Metadata.key_url);
    key = await fetchSigningKey(cb.Metadata.key_url, fetchKey);
    valid = key !== null && (await connectwiseSignatureValid(raw, signature, key));
  }
  if (!valid) {
    log.warn("hook.refused", { code: "bad_signature" });
    return reply(c, 401, "signature refused");
  }

  if (await deliverySeen(db, tenant.id, "connectwise", cb.MessageId)) return reply(c, 200, "duplicate");
  if (cb.Type.toLowerCase() !== "ticket") return reply(c, 200, "ignored: not a ticket");
  const record = () => recordDelivery(db, tenant.id, "connectwise", cb.MessageId);
  const entity = cb.Entity ? callbackTicketEntity.safeParse(parseJson(cb.Entity)) : null;
  const fields = entity?.success ? entity.data : null;
  const link = await cwLinkForCallback(db, tenant.id, cb.ID);
  const echo = connectwiseEcho(
    { action: cb.Action, memberId: cb.MemberId ?? null, lastUpdated: fields?._info?.lastUpdated ?? null },
    { apiMemberIdentifier: connectwise.apiMemberIdentifier, cwUpdatedAt: link?.cwUpdatedAt ?? null },
  );
  if (echo) return settled(c, log, record, "hook.echo_ignored", { ticket: link?.portalTicketId, cwTicket: cb.ID, code: echo }, echoOutcome(echo));
  // Created by us but not yet recorded: its externalXRef still names the portal ticket.
  const portalTicketId = link?.portalTicketId ?? portalTicketIdFromXRef(fields?.externalXRef ?? null, tenant.id);
  if (portalTicketId === null || tenant.status !== "active") {
    await record();
    return reply(c, 200, "ignored: not a linked ticket");
  }
  const queued = await queueSync(c.env, tenant.id, portalTicketId, "callback");
  await record();
  log.info(queued === "queued" ? "hook.queued" : "hook.coalesced", { ticket: portalTicketId, cwTicket: cb.ID });
  return reply(c, 200, queued);
});

hookRoutes.post("/portal/:hookId", async (c) => {
  const db = createDb(c.env.DB);
  const found = await tenantForHook(db, c.req.param("hookId"));
  if (!found?.portal?.webhookSecretCiphertext) return reply(c, 404, "unknown hook");
  const { tenant, portal } = found;
  const log = createLogger({ tenant: tenant.id, source: "portal-webhook" });
  // Counted before the body is read or the secret decrypted.
  const wait = await takeHookDelivery(c.env, "portal", tenant.hookId);
  if (wait !== null) {
    log.warn("hook.rate_limited", { retryAfterS: wait });
    return tooMany(c, wait);
  }
  const raw = await rawBody(c);
  if (raw === null) return reply(c, 413, "body too large");

  const signature = c.req.header("x-zendesk-webhook-signature") ?? "";
  const timestamp = c.req.header("x-zendesk-webhook-signature-timestamp") ?? "";
  if (!signature || !timestamp || !timestampFresh(timestamp, Date.now())) {
    log.warn("hook.refused", { code: signature ? "stale" : "unsigned" });
    return reply(c, 401, "signature refused");
  }
  const secret = await openSecret(c.env, portal.webhookSecretCiphertext!, bindings.portalWebhookSecret(tenant.id, portalBaseUrl(c.env)), z.string());
  if (secret === null || !(await portalSignatureValid(raw, signature, timestamp, secret))) {
    log.warn("hook.refused", { code: "bad_signature" });
    return reply(c, 401, "signature refused");
  }
  const parsed = portalWebhookEvent.safeParse(parseJson(raw));
  if (!parsed.success) return reply(c, 400, "not a ticket event");
  const event = parsed.data;
  if (await deliverySeen(db, tenant.id, "portal", event.id)) return reply(c, 200, "duplicate");
  const id = Number(event.detail?.id ?? event.subject?.replace(/^zen:ticket:/, ""));
  if (!Number.isSafeInteger(id) || id <= 0 || tenant.status !== "active") {
    await recordDelivery(db, tenant.id, "portal", event.id);
    return reply(c, 200, "ignored: no ticket");
  }
  const record = () => recordDelivery(db, tenant.id, "portal", event.id);
  const comment = event.event?.comment ?? null;
  const commentId = comment?.id ?? null;
  const known = await portalEchoKnown(db, tenant.id, id, event.type.endsWith("ticket.comment_added") ? commentId : null);
  const echo = portalEcho(
    {
      type: event.type.replace(/^zen:event-type:/, ""),
      updatedAt: event.detail?.updated_at ?? null,
      comment: commentId === null ? null : { id: commentId, authorId: comment?.author?.id ?? null, body: comment?.body ?? null },
    },
    { portalUserId: portal.portalUserId, portalUpdatedAt: known.portalUpdatedAt, links: known.links },
  );
  if (echo) return settled(c, log, record, "hook.echo_ignored", { ticket: id, code: echo }, echoOutcome(echo));
  const queued = await queueSync(c.env, tenant.id, id, "webhook");
  await record();
  log.info(queued === "queued" ? "hook.queued" : "hook.coalesced", { ticket: id });
  return reply(c, 200, queued);
});
