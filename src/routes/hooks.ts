import { Hono, type Context } from "hono";
import { createDb } from "../db/client";
import { tenantForHook } from "../db/queries/webhooks";
import { loadVendorFeed } from "../db/queries/vendor-feed";
import { portalBaseUrl } from "../egress/fetch";
import { VENDOR_HOOK_ID } from "../feed/route";
import { parseJson } from "../lib/json";
import { createLogger, type Logger } from "../lib/log";
import { bindings } from "../lib/secret-binding";
import { connectwiseCallback, portalWebhookEvent } from "../schemas/webhooks";
import { settleCallback } from "../webhooks/callback-event";
import { takeHookDelivery } from "../webhooks/hook-limit";
import { settlePortalEvent } from "../webhooks/portal-event";
import { settleVendorEvent } from "../webhooks/vendor-event";
import { connectwiseCallbackSigned, portalDeliverySigned, type PortalSignature } from "../webhooks/verify";

/** Bodies past this size are refused unread (both systems send small JSON). */
const MAX_HOOK_BYTES = 256 * 1024;

/**
 * Push endpoints: ConnectWise callbacks and Support Portal webhooks. Each verifies the
 * sender, de-duplicates by delivery id, and only enqueues a ticket sync, so it answers
 * well within ConnectWise's 5 s. The 5-minute runs remain the safety net. What a delivery
 * means is decided in src/webhooks/; these handlers only adapt HTTP.
 */
export const hookRoutes = new Hono<{ Bindings: Env }>();

const reply = (c: Context, status: 200 | 400 | 401 | 404 | 413, outcome: string) => c.json({ outcome }, status);

/** 429 when the hook is over its limit (counted before the body is read or a secret opened), else null. */
async function overLimit(c: Context<{ Bindings: Env }>, source: "portal" | "connectwise", hookId: string, log: Logger) {
  const wait = await takeHookDelivery(c.env, source, hookId);
  if (wait === null) return null;
  log.warn("hook.rate_limited", { retryAfterS: wait });
  return c.json({ outcome: "too many deliveries" }, 429, { "retry-after": String(wait) });
}

/** The body as text, or null past the limit (counted in bytes: a multibyte body is larger than its length). */
async function rawBody(c: Context): Promise<string | null> {
  const length = Number(c.req.header("content-length") ?? "0");
  if (length > MAX_HOOK_BYTES) return null;
  const bytes = await c.req.arrayBuffer();
  return bytes.byteLength > MAX_HOOK_BYTES ? null : new TextDecoder().decode(bytes);
}

const portalSignature = (c: Context): PortalSignature => ({
  signature: c.req.header("x-zendesk-webhook-signature") ?? "",
  timestamp: c.req.header("x-zendesk-webhook-signature-timestamp") ?? "",
});

hookRoutes.post("/connectwise/:hookId", async (c) => {
  const db = createDb(c.env.DB);
  const found = await tenantForHook(db, c.req.param("hookId"));
  if (!found?.connectwise) return reply(c, 404, "unknown hook");
  const { tenant, connectwise } = found;
  const log = createLogger({ tenant: tenant.id, source: "connectwise-callback" });
  const limited = await overLimit(c, "connectwise", tenant.hookId, log);
  if (limited) return limited;
  const raw = await rawBody(c);
  if (raw === null) return reply(c, 413, "body too large");
  const parsed = connectwiseCallback.safeParse(parseJson(raw));
  if (!parsed.success) return reply(c, 400, "not a ConnectWise callback");
  if (!(await connectwiseCallbackSigned(c.env, tenant.id, connectwise, parsed.data, raw, c.req.header("x-content-signature") ?? "", log))) {
    return reply(c, 401, "signature refused");
  }
  return reply(c, 200, await settleCallback(c.env, db, tenant, connectwise.apiMemberIdentifier, parsed.data, log));
});

hookRoutes.post("/portal/:hookId", async (c) => {
  const db = createDb(c.env.DB);
  const found = await tenantForHook(db, c.req.param("hookId"));
  if (!found?.portal?.webhookSecretCiphertext) return reply(c, 404, "unknown hook");
  const { tenant, portal } = found;
  const log = createLogger({ tenant: tenant.id, source: "portal-webhook" });
  const limited = await overLimit(c, "portal", tenant.hookId, log);
  if (limited) return limited;
  const raw = await rawBody(c);
  if (raw === null) return reply(c, 413, "body too large");
  const binding = bindings.portalWebhookSecret(tenant.id, portalBaseUrl(c.env));
  if (!(await portalDeliverySigned(c.env, raw, portalSignature(c), portal.webhookSecretCiphertext!, binding, log))) return reply(c, 401, "signature refused");
  const parsed = portalWebhookEvent.safeParse(parseJson(raw));
  if (!parsed.success) return reply(c, 400, "not a ticket event");
  return reply(c, 200, await settlePortalEvent(c.env, db, tenant, portal.portalUserId, parsed.data, log));
});

/** The vendor's account webhook (one address for the whole portal account): every ticket event of every requester. */
hookRoutes.post("/vendor", async (c) => {
  const db = createDb(c.env.DB);
  const feed = await loadVendorFeed(db);
  if (!feed?.webhookSecretCiphertext) return reply(c, 404, "unknown hook");
  const log = createLogger({ source: "vendor-webhook" });
  const limited = await overLimit(c, "portal", VENDOR_HOOK_ID, log);
  if (limited) return limited;
  const raw = await rawBody(c);
  if (raw === null) return reply(c, 413, "body too large");
  const binding = bindings.vendorFeedWebhookSecret(portalBaseUrl(c.env));
  if (!(await portalDeliverySigned(c.env, raw, portalSignature(c), feed.webhookSecretCiphertext, binding, log))) return reply(c, 401, "signature refused");
  const parsed = portalWebhookEvent.safeParse(parseJson(raw));
  if (!parsed.success || !parsed.data.type.startsWith("zen:event-type:ticket.")) return reply(c, 400, "not a ticket event");
  return c.json(await settleVendorEvent(c.env, db, parsed.data, log), 200);
});
