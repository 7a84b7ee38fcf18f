import { eq } from "drizzle-orm";
import { connectwiseClientFor } from "../connectors/for-tenant";
import type { Db } from "../db/client";
import { connectwiseConnections, tenants } from "../db/schema";
import { AppError } from "../lib/errors";

export type CallbackState = "registered" | "reactivated" | "present";

/** Where ConnectWise posts a tenant's ticket callbacks (CW appends the record id). */
export const callbackUrl = (publicOrigin: string, hookId: string) => `${publicOrigin.replace(/\/+$/, "")}/hooks/connectwise/${hookId}?recordId=`;
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
