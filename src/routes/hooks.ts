import { Hono, type Context } from "hono";
import { createDb } from "../db/client";
import { cwLinkForCallback, deliverySeen, recordDelivery, tenantForHook } from "../db/queries/webhooks";
import { z } from "zod";
import { connectwiseTarget, egressFetch, portalBaseUrl } from "../egress/fetch";
import { bindings, openSecret } from "../lib/secret-binding";
import { createLogger } from "../lib/log";
import { callbackTicketEntity, connectwiseCallback, portalWebhookEvent } from "../schemas/webhooks";
import { portalTicketIdFromXRef } from "../domain/xref";
import type { Logger } from "../lib/log";
import { fetchSigningKey, forgetSigningKey, keyUrlProblem } from "../webhooks/callback-key";
import { connectwiseEcho, echoOutcome } from "../webhooks/echo";
import { eventTicketId, queueSync, settlePortalEvent } from "../webhooks/portal-event";
import { countEvent, loadVendorFeed, tenantsForRequester } from "../db/queries/vendor-feed";
import { routeTicket, VENDOR_HOOK_ID } from "../feed/route";
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

/** The body as text, or null past the limit (counted in bytes: a multibyte body is larger than its length). */
async function rawBody(c: Context): Promise<string | null> {
  const length = Number(c.req.header("content-length") ?? "0");
  if (length > MAX_HOOK_BYTES) return null;
  const bytes = await c.req.arrayBuffer();
  return bytes.byteLength > MAX_HOOK_BYTES ? null : new TextDecoder().decode(bytes);
}

/** The answer to a delivery that needed no sync, or that a queued one covers. */
async function settled(c: Context, log: Logger, record: () => Promise<void>, event: string, fields: Record<string, unknown>, outcome: string) {
  await record();
  log.info(event, fields);
  return reply(c, 200, outcome);
}

/** Zendesk's signature over the raw body, within the timestamp window, by the stored secret. */
async function portalDeliverySigned(c: Context, raw: string, sealedSecret: string, binding: string, log: Logger): Promise<boolean> {
  const signature = c.req.header("x-zendesk-webhook-signature") ?? "";
  const timestamp = c.req.header("x-zendesk-webhook-signature-timestamp") ?? "";
  if (!signature || !timestamp || !timestampFresh(timestamp, Date.now())) {
    log.warn("hook.refused", { code: signature ? "stale" : "unsigned" });
    return false;
  }
  const secret = await openSecret(c.env as Env, sealedSecret, binding, z.string());
  if (secret === null || !(await portalSignatureValid(raw, signature, timestamp, secret))) {
    log.warn("hook.refused", { code: "bad_signature" });
    return false;
  }
  return true;
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

  const binding = bindings.portalWebhookSecret(tenant.id, portalBaseUrl(c.env));
  if (!(await portalDeliverySigned(c, raw, portal.webhookSecretCiphertext!, binding, log))) return reply(c, 401, "signature refused");
  const parsed = portalWebhookEvent.safeParse(parseJson(raw));
  if (!parsed.success) return reply(c, 400, "not a ticket event");
  return reply(c, 200, await settlePortalEvent(c.env, db, tenant, portal.portalUserId, parsed.data, log));
});

/**
 * The vendor's account webhook (one address for the whole portal account): every ticket
 * event of every requester, routed to the tenants whose portal user asked (or whose
 * organisation they sync). An event for no tenant is answered 200 and counted.
 */
hookRoutes.post("/vendor", async (c) => {
  const db = createDb(c.env.DB);
  const feed = await loadVendorFeed(db);
  if (!feed?.webhookSecretCiphertext) return reply(c, 404, "unknown hook");
  const log = createLogger({ source: "vendor-webhook" });
  const wait = await takeHookDelivery(c.env, "portal", VENDOR_HOOK_ID);
  if (wait !== null) {
    log.warn("hook.rate_limited", { retryAfterS: wait });
    return tooMany(c, wait);
  }
  const raw = await rawBody(c);
  if (raw === null) return reply(c, 413, "body too large");
  if (!(await portalDeliverySigned(c, raw, feed.webhookSecretCiphertext, bindings.vendorFeedWebhookSecret(portalBaseUrl(c.env)), log))) {
    return reply(c, 401, "signature refused");
  }
  const parsed = portalWebhookEvent.safeParse(parseJson(raw));
  if (!parsed.success || !parsed.data.type.startsWith("zen:event-type:ticket.")) return reply(c, 400, "not a ticket event");
  const event = parsed.data;
  const tenantsOf = await tenantsForRequester(db, event.detail?.requester_id ?? null, event.detail?.organization_id ?? null);
  const routed = routeTicket(
    { requesterId: event.detail?.requester_id ?? null, organizationId: event.detail?.organization_id ?? null, updatedAt: event.detail?.updated_at ?? null },
    tenantsOf,
  );
  const outcomes: string[] = [];
  for (const t of routed)
    outcomes.push(await settlePortalEvent(c.env, db, { id: t.tenantId, status: "active" }, t.portalUserId, event, log.with({ tenant: t.tenantId })));
  // A redelivery is not counted again.
  if (outcomes.length === 0 || outcomes.some((o) => o !== "duplicate")) await countEvent(db, outcomes.length > 0);
  if (outcomes.length === 0) log.info("hook.unrouted", { ticket: eventTicketId(event) ?? undefined });
  const outcome = outcomes.length === 0 ? "ignored: no tenant" : outcomes.every((o) => o === "duplicate") ? "duplicate" : "routed";
  return c.json({ outcome, tenants: outcomes.length }, 200);
});
