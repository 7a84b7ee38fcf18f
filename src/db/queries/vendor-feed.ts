import { and, eq, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { portalConnections, tenantSettings, tenants, vendorFeed } from "../schema";

/** The vendor feed is one row; its id. */
export const FEED_ID = "vendor";

export type VendorFeedRow = typeof vendorFeed.$inferSelect;

export async function loadVendorFeed(db: Db): Promise<VendorFeedRow | null> {
  return (await db.query.vendorFeed.findFirst({ where: eq(vendorFeed.id, FEED_ID) })) ?? null;
}

/** Stores a (new) credential and webhook secret; a replaced credential keeps the cursor (the same account is read on). */
export function upsertVendorFeedStatement(db: Db, sealed: { credentialCiphertext: string; webhookSecretCiphertext: string | null }) {
  const updatedAt = new Date().toISOString();
  return db
    .insert(vendorFeed)
    .values({ id: FEED_ID, ...sealed })
    .onConflictDoUpdate({ target: vendorFeed.id, set: { ...sealed, updatedAt } });
}

export const deleteVendorFeedStatement = (db: Db) => db.delete(vendorFeed).where(eq(vendorFeed.id, FEED_ID));

/** One poll's outcome; the cursor only when tickets up to it were queued. */
export async function recordPoll(db: Db, at: Date, result: string, opts: { cursor?: string; queued?: number; reachedEnd?: boolean } = {}): Promise<void> {
  const iso = at.toISOString();
  await db
    .update(vendorFeed)
    .set({
      lastPollAt: iso,
      lastPollResult: result,
      ...(opts.cursor ? { exportCursor: opts.cursor } : {}),
      ...(opts.reachedEnd ? { lastPollOkAt: iso } : {}),
      ticketsQueued: sql`${vendorFeed.ticketsQueued} + ${opts.queued ?? 0}`,
    })
    .where(eq(vendorFeed.id, FEED_ID));
}

/** Stores the cursor after a page's tickets were queued (a poll that dies later re-reads from here, never skips). */
export async function advanceExportCursor(db: Db, cursor: string, queued: number): Promise<void> {
  await db
    .update(vendorFeed)
    .set({ exportCursor: cursor, ticketsQueued: sql`${vendorFeed.ticketsQueued} + ${queued}` })
    .where(eq(vendorFeed.id, FEED_ID));
}

export async function countEvent(db: Db, routed: boolean): Promise<void> {
  await db
    .update(vendorFeed)
    .set(routed ? { eventsRouted: sql`${vendorFeed.eventsRouted} + 1` } : { eventsUnrouted: sql`${vendorFeed.eventsUnrouted} + 1` })
    .where(eq(vendorFeed.id, FEED_ID));
}

/** What routing a portal ticket to its tenants needs, for every active tenant with a known portal identity. */
export interface FeedTenant {
  tenantId: string;
  portalUserId: number;
  /** Set only for tenants that sync their organisation's requests. */
  organizationId: number | null;
  /** Tickets updated before this are not the tenant's to import (its "sync from" date). */
  syncFrom: string | null;
}

/**
 * Tenants a ticket with this requester or organisation belongs to: the one whose portal
 * user asked, and those syncing that organisation's requests.
 */
export async function tenantsForRequester(db: Db, requesterId: number | null, organizationId: number | null): Promise<FeedTenant[]> {
  const byUser = requesterId === null ? undefined : eq(portalConnections.portalUserId, requesterId);
  const byOrg =
    organizationId === null ? undefined : and(eq(portalConnections.portalOrganizationId, organizationId), eq(tenantSettings.syncOrganisation, true));
  const match = or(byUser, byOrg);
  if (!match) return [];
  return feedTenants(db, match);
}

/** Every tenant the catch-up poll can route to (a page holds tickets of many requesters). */
export const allFeedTenants = (db: Db) => feedTenants(db, undefined);

async function feedTenants(db: Db, match: ReturnType<typeof or>): Promise<FeedTenant[]> {
  const rows = await db
    .select({
      tenantId: tenants.id,
      portalUserId: portalConnections.portalUserId,
      organizationId: portalConnections.portalOrganizationId,
      syncOrganisation: tenantSettings.syncOrganisation,
      syncFrom: tenantSettings.syncFrom,
    })
    .from(tenants)
    .innerJoin(portalConnections, eq(portalConnections.tenantId, tenants.id))
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, tenants.id))
    .where(and(eq(tenants.status, "active"), isNotNull(portalConnections.portalUserId), match));
  return rows.map((r) => ({
    tenantId: r.tenantId,
    portalUserId: r.portalUserId!,
    organizationId: r.syncOrganisation ? r.organizationId : null,
    syncFrom: r.syncFrom,
  }));
}

/** Where the first poll starts: the earliest tenant portal cursor or "sync from" date, if any. */
export async function earliestTenantStart(db: Db): Promise<string | null> {
  const [row] = await db
    .select({ at: sql<string | null>`MIN(COALESCE(${tenants.portalCursor}, ${tenantSettings.syncFrom}))` })
    .from(tenants)
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, tenants.id))
    .where(eq(tenants.status, "active"));
  return row?.at ?? null;
}

/** The feed's poll state and the tenant's known portal user, in one round trip. */
export async function feedStateForTenant(db: Db, tenantId: string) {
  const [feed, portal] = await db.batch([
    db.select({ lastPollOkAt: vendorFeed.lastPollOkAt, lastPollResult: vendorFeed.lastPollResult }).from(vendorFeed).where(eq(vendorFeed.id, FEED_ID)),
    db.select({ portalUserId: portalConnections.portalUserId }).from(portalConnections).where(eq(portalConnections.tenantId, tenantId)),
  ]);
  return { feed: feed[0] ?? null, portalUserId: portal[0]?.portalUserId ?? null };
}
