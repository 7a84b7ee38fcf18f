import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { connectwiseConnections, portalConnections, tenants, ticketLinks, webhookDeliveries } from "../schema";

/** The tenant a webhook URL names, with what verifying its deliveries needs. */
export async function tenantForHook(db: Db, hookId: string) {
  const rows = await db
    .select({ tenant: tenants, portal: portalConnections, connectwise: connectwiseConnections })
    .from(tenants)
    .leftJoin(portalConnections, eq(portalConnections.tenantId, tenants.id))
    .leftJoin(connectwiseConnections, eq(connectwiseConnections.tenantId, tenants.id))
    .where(eq(tenants.hookId, hookId))
    .limit(1);
  return rows[0];
}

export async function deliverySeen(db: Db, tenantId: string, source: "portal" | "connectwise", deliveryId: string): Promise<boolean> {
  const row = await db.query.webhookDeliveries.findFirst({
    where: and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.source, source), eq(webhookDeliveries.deliveryId, deliveryId)),
  });
  return row !== undefined;
}

export async function recordDelivery(db: Db, tenantId: string, source: "portal" | "connectwise", deliveryId: string): Promise<void> {
  await db.insert(webhookDeliveries).values({ tenantId, source, deliveryId }).onConflictDoNothing();
}

export async function portalTicketForCw(db: Db, tenantId: string, cwTicketId: number): Promise<number | null> {
  const row = await db.query.ticketLinks.findFirst({
    where: and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.cwTicketId, cwTicketId)),
    columns: { portalTicketId: true },
  });
  return row?.portalTicketId ?? null;
}
