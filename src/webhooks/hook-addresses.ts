import { eq } from "drizzle-orm";
import { connectwiseClientFor } from "../connectors/for-tenant";
import type { Db } from "../db/client";
import { auditStatement } from "../db/queries/audit";
import { connectwiseConnections, tenants } from "../db/schema";
import { randomToken } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { errorFields, type Logger } from "../lib/log";
import type { Actor } from "../domain/actor";

export type CallbackState = "registered" | "reactivated" | "present";

/** Where ConnectWise posts a tenant's ticket callbacks (CW appends the record id). */
const callbackUrl = (publicOrigin: string, hookId: string) => `${publicOrigin.replace(/\/+$/, "")}/hooks/connectwise/${hookId}?recordId=`;
export const portalHookUrl = (publicOrigin: string, hookId: string) => `${publicOrigin.replace(/\/+$/, "")}/hooks/portal/${hookId}`;

/**
 * Makes sure ConnectWise calls psa-sync back for the tenant's tickets: registers the
 * callback (level owner, all tickets) or re-enables it when CW disabled it (CW does after
 * three days of failed deliveries). Idempotent: an existing entry is reused.
 */
export async function ensureConnectWiseCallback(env: Env, db: Db, tenantId: string, publicOrigin: string): Promise<{ state: CallbackState; id: number }> {
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  const row = await db.query.connectwiseConnections.findFirst({ where: eq(connectwiseConnections.tenantId, tenantId) });
  if (!tenant || !row) throw new AppError("invalid_payload", "Connect ConnectWise first.");
  const cw = await connectwiseClientFor(env, row);
  const url = callbackUrl(publicOrigin, tenant.hookId);
  const existing = (await cw.listTicketCallbacks(url)).find((cb) => cb.url === url);
  let result: { state: CallbackState; id: number };
  if (!existing) result = { state: "registered", id: (await cw.createTicketCallback(url, `psa-sync ticket push (${tenant.name})`)).id };
  else if (existing.inactive) result = { state: "reactivated", id: (await cw.reactivateCallback(existing.id)).id };
  else result = { state: "present", id: existing.id };
  if (row.callbackId !== result.id) await db.update(connectwiseConnections).set({ callbackId: result.id }).where(eq(connectwiseConnections.tenantId, tenantId));
  return result;
}

export interface RotatedHooks {
  /** The portal webhook's new address: the vendor's portal administrator must update the webhook to it. */
  portalHookUrl: string;
  /** What happened to the ConnectWise callback: moved to the new address, not connected, or why not. */
  connectwise: "moved" | "not connected" | string;
}

/**
 * Gives the tenant new webhook addresses (a new unguessable hook id): the old ones answer
 * 404 at once, so a leaked address is worthless. ConnectWise's callback is moved (the old
 * entry removed, a new one registered); the portal webhook is the vendor's, so its new
 * address is returned to hand over. The callback move is best effort: the 5-minute runs
 * keep syncing, and "Re-register callbacks" retries it.
 */
export async function rotateHookAddresses(env: Env, db: Db, tenantId: string, actor: Actor, publicOrigin: string, logger: Logger): Promise<RotatedHooks> {
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!tenant) throw new AppError("not_found", "Tenant not found");
  const hookId = randomToken();
  await db.batch([
    db.update(tenants).set({ hookId }).where(eq(tenants.id, tenantId)),
    auditStatement(db, { tenantId, userId: actor.userId, action: "hooks.rotated", detail: `Webhook addresses rotated (${actor.via})` }),
  ]);
  const row = await db.query.connectwiseConnections.findFirst({ where: eq(connectwiseConnections.tenantId, tenantId) });
  let connectwise: RotatedHooks["connectwise"] = "not connected";
  if (row) {
    try {
      const cw = await connectwiseClientFor(env, row);
      const old = callbackUrl(publicOrigin, tenant.hookId);
      for (const entry of (await cw.listTicketCallbacks(old)).filter((cb) => cb.url === old)) await cw.deleteCallback(entry.id);
      await ensureConnectWiseCallback(env, db, tenantId, publicOrigin);
      connectwise = "moved";
    } catch (err) {
      logger.warn("hooks.callback_move_failed", { tenant: tenantId, ...errorFields(err) });
      connectwise = `not moved (${err instanceof AppError ? err.message : "ConnectWise could not be reached"}); use "Re-register callbacks"`;
    }
  }
  return { portalHookUrl: portalHookUrl(publicOrigin, hookId), connectwise };
}
