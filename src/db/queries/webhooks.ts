import { and, eq, isNull, or } from "drizzle-orm";
import type { Db } from "../client";
import { commentLinks, connectwiseConnections, portalConnections, tenants, ticketLinks, webhookDeliveries } from "../schema";

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

/** The link a callback's ConnectWise ticket has, with the version its last sync read. */
export async function cwLinkForCallback(db: Db, tenantId: string, cwTicketId: number): Promise<{ portalTicketId: number; cwUpdatedAt: string | null } | null> {
  const row = await db.query.ticketLinks.findFirst({
    where: and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.cwTicketId, cwTicketId)),
    columns: { portalTicketId: true, cwUpdatedAt: true },
  });
  return row ?? null;
}

/**
 * What recognising a portal event as an echo needs: the request's last synced version and,
 * for a comment, its link or psa-sync's writes still awaiting their comment id.
 */
export async function portalEchoKnown(db: Db, tenantId: string, portalTicketId: number, commentId: number | null) {
  const link = await db.query.ticketLinks.findFirst({
    where: and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId)),
    columns: { portalUpdatedAt: true },
  });
  const links =
    commentId === null
      ? []
      : await db
          .select({
            origin: commentLinks.origin,
            state: commentLinks.state,
            portalCommentId: commentLinks.portalCommentId,
            contentHash: commentLinks.contentHash,
          })
          .from(commentLinks)
          .where(
            and(
              eq(commentLinks.tenantId, tenantId),
              eq(commentLinks.portalTicketId, portalTicketId),
              or(
                eq(commentLinks.portalCommentId, commentId),
                and(eq(commentLinks.origin, "connectwise"), eq(commentLinks.state, "pending"), isNull(commentLinks.portalCommentId)),
              ),
            ),
          );
  return { portalUpdatedAt: link?.portalUpdatedAt ?? null, links };
}
