import { Hono, type Context } from "hono";
import { createDb } from "../db/client";
import { deliverySeen, portalTicketForCw, recordDelivery, tenantForHook } from "../db/queries/webhooks";
import { z } from "zod";
import { connectwiseTarget, egressFetch, portalBaseUrl } from "../egress/fetch";
import { bindings, openSecret } from "../lib/secret-binding";
import { createLogger } from "../lib/log";
import { sendTicketSync } from "../queues/send";
import { callbackTicketEntity, connectwiseCallback, portalWebhookEvent } from "../schemas/webhooks";
import { portalTicketIdFromXRef } from "../sync/changes";
import { fetchSigningKey, forgetSigningKey, keyUrlProblem } from "../webhooks/callback-key";
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
  if (connectwise.apiMemberIdentifier && cb.MemberId === connectwise.apiMemberIdentifier) {
    await recordDelivery(db, tenant.id, "connectwise", cb.MessageId);
    return reply(c, 200, "ignored: psa-sync's own change");
  }
  let portalTicketId = await portalTicketForCw(db, tenant.id, cb.ID);
  if (portalTicketId === null && cb.Entity) {
    // Created by us but not yet recorded: its externalXRef still names the portal ticket.
    const entity = callbackTicketEntity.safeParse(parseJson(cb.Entity));
    portalTicketId = entity.success ? portalTicketIdFromXRef(entity.data.externalXRef ?? null, tenant.id) : null;
  }
  if (portalTicketId === null || tenant.status !== "active") {
    await recordDelivery(db, tenant.id, "connectwise", cb.MessageId);
    return reply(c, 200, "ignored: not a linked ticket");
  }
  await sendTicketSync(c.env, [{ kind: "ticket-sync", v: 1, tenantId: tenant.id, runId: null, portalTicketId, reason: "callback" }]);
  await recordDelivery(db, tenant.id, "connectwise", cb.MessageId);
  log.info("hook.queued", { ticket: portalTicketId, cwTicket: cb.ID });
  return reply(c, 200, "queued");
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
  await sendTicketSync(c.env, [{ kind: "ticket-sync", v: 1, tenantId: tenant.id, runId: null, portalTicketId: id, reason: "webhook" }]);
  await recordDelivery(db, tenant.id, "portal", event.id);
  log.info("hook.queued", { ticket: id });
  return reply(c, 200, "queued");
});
