import type { FeedTenant } from "../db/queries/vendor-feed";

/** The vendor webhook's delivery limit is counted under this id (tenant hook ids are random tokens). */
export const VENDOR_HOOK_ID = "vendor";

export interface RoutableTicket {
  requesterId: number | null;
  organizationId: number | null;
  /** null when an event does not say (it is then not held to a tenant's "sync from" date). */
  updatedAt: string | null;
}

/**
 * The tenants a portal ticket belongs to: the one whose portal user is its requester, and
 * those syncing its organisation's requests; none for a change older than a tenant's
 * "sync from" date. Several tenants may share one, as their own listings would.
 */
export function routeTicket<T extends FeedTenant>(ticket: RoutableTicket, tenants: readonly T[]): T[] {
  return tenants.filter(
    (t) =>
      (t.portalUserId === ticket.requesterId || (t.organizationId !== null && t.organizationId === ticket.organizationId)) &&
      (t.syncFrom === null || ticket.updatedAt === null || ticket.updatedAt >= t.syncFrom),
  );
}
