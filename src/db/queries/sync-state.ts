import { and, eq, isNull, ne, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import {
  commentLinks,
  configurationMatches,
  connectwiseConnections,
  portalConnections,
  priorityMappings,
  statusMappings,
  tenantSettings,
  tenants,
  ticketEvents,
  ticketLinks,
} from "../schema";

/** Everything one ticket sync needs from D1, in one round trip. */
export async function loadTicketState(db: Db, tenantId: string, portalTicketId: number) {
  const [tenant, settings, portal, connectwise, priorities, statuses, link, comments] = await db.batch([
    db.select().from(tenants).where(eq(tenants.id, tenantId)),
    db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId)),
    db.select().from(portalConnections).where(eq(portalConnections.tenantId, tenantId)),
    db.select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId)),
    db.select().from(priorityMappings).where(eq(priorityMappings.tenantId, tenantId)),
    db.select().from(statusMappings).where(eq(statusMappings.tenantId, tenantId)),
    db
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId))),
    db
      .select()
      .from(commentLinks)
      .where(and(eq(commentLinks.tenantId, tenantId), eq(commentLinks.portalTicketId, portalTicketId))),
  ]);
  return {
    tenant: tenant[0],
    settings: settings[0],
    portal: portal[0],
    connectwise: connectwise[0],
    priorities,
    statuses,
    link: link[0],
    comments,
  };
}
export type TicketState = Awaited<ReturnType<typeof loadTicketState>>;

/** Creates the link row on first sight (idempotent) so every later write can refer to it. */
export async function ensureTicketLink(db: Db, tenantId: string, portalTicketId: number, summary: string): Promise<void> {
  await db.insert(ticketLinks).values({ tenantId, portalTicketId, summary }).onConflictDoNothing();
}

export async function setLinkedCwTicket(db: Db, tenantId: string, portalTicketId: number, cwTicketId: number, at: string): Promise<void> {
  await db
    .update(ticketLinks)
    .set({ cwTicketId, updatedAt: at })
    .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId)));
}

export async function markCreateAttempted(db: Db, tenantId: string, portalTicketId: number): Promise<void> {
  await db
    .update(ticketLinks)
    .set({ cwCreateAttempted: true })
    .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId)));
}

/**
 * Forgets a linked ticket that was deleted in ConnectWise, with its synced fields and
 * comment links, in one transaction: the next plan treats the portal ticket as new.
 */
export async function unlinkCwTicket(db: Db, tenantId: string, portalTicketId: number, at: string): Promise<void> {
  await db.batch([
    db.delete(commentLinks).where(and(eq(commentLinks.tenantId, tenantId), eq(commentLinks.portalTicketId, portalTicketId))),
    db
      .update(ticketLinks)
      .set({ cwTicketId: null, syncedFields: {}, cwUpdatedAt: null, lastCwNoteId: 0, cwClosed: false, cwCreateAttempted: false, updatedAt: at })
      .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId))),
  ]);
}

/**
 * Step 1 of a mirrored write: the intent, recorded before the write. Idempotent per
 * source item; returns the link id (the existing one when already recorded).
 */
export async function recordPendingComment(db: Db, row: Omit<typeof commentLinks.$inferInsert, "id" | "state">): Promise<number> {
  const inserted = await db
    .insert(commentLinks)
    .values({ ...row, state: "pending" })
    .onConflictDoNothing()
    .returning({ id: commentLinks.id });
  if (inserted[0]) return inserted[0].id;
  const source =
    row.portalCommentId != null
      ? eq(commentLinks.portalCommentId, row.portalCommentId)
      : row.cwNoteId != null
        ? eq(commentLinks.cwNoteId, row.cwNoteId)
        : eq(commentLinks.contentHash, row.contentHash);
  const existing = await db
    .select({ id: commentLinks.id })
    .from(commentLinks)
    .where(and(eq(commentLinks.tenantId, row.tenantId), eq(commentLinks.portalTicketId, row.portalTicketId), source))
    .limit(1);
  if (!existing[0]) throw new Error("comment link neither inserted nor found");
  return existing[0].id;
}

/** Step 3: the written (or adopted) item's id, recorded after the write. */
export async function completeCommentLinkById(db: Db, tenantId: string, linkId: number, ids: { portalCommentId?: number; cwNoteId?: number }): Promise<void> {
  await db
    .update(commentLinks)
    .set({ ...ids, state: "done" })
    .where(and(eq(commentLinks.tenantId, tenantId), eq(commentLinks.id, linkId)));
}

export type TicketEvent = Omit<typeof ticketEvents.$inferInsert, "id">;

/** Ends a ticket sync in one round trip (a transaction): the link's new state and the events of the writes made. */
export async function finishTicketLink(
  db: Db,
  tenantId: string,
  portalTicketId: number,
  values: Partial<typeof ticketLinks.$inferInsert>,
  events: TicketEvent[] = [],
) {
  const link = db
    .update(ticketLinks)
    .set(values)
    .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId)));
  await db.batch([link, ...events.map((e) => db.insert(ticketEvents).values(e))]);
}

/** The connected portal user and their organisation, as /users/me said (never another user over a stored one). */
export async function rememberPortalIdentity(db: Db, tenantId: string, who: { userId: number; organizationId: number | null }): Promise<void> {
  await db
    .update(portalConnections)
    .set({ portalUserId: who.userId, portalOrganizationId: who.organizationId })
    .where(and(eq(portalConnections.tenantId, tenantId), or(isNull(portalConnections.portalUserId), eq(portalConnections.portalUserId, who.userId))));
}

/**
 * psa-sync's API member, as ConnectWise named it in the response to one of its own writes:
 * that answer is authoritative, so it replaces a stale one (keys moved to another member).
 */
export async function rememberApiMember(db: Db, tenantId: string, identifier: string): Promise<void> {
  await db
    .update(connectwiseConnections)
    .set({ apiMemberIdentifier: identifier })
    .where(
      and(
        eq(connectwiseConnections.tenantId, tenantId),
        or(isNull(connectwiseConnections.apiMemberIdentifier), ne(connectwiseConnections.apiMemberIdentifier, identifier)),
      ),
    );
}

/** Cached ClusterID lookups younger than `maxAgeMs`. */
export async function cachedMatch(db: Db, tenantId: string, matchField: string, clusterId: string, maxAgeMs: number, now: Date) {
  const row = await db.query.configurationMatches.findFirst({
    where: and(eq(configurationMatches.tenantId, tenantId), eq(configurationMatches.matchField, matchField), eq(configurationMatches.clusterId, clusterId)),
  });
  if (!row || now.getTime() - Date.parse(row.fetchedAt) > maxAgeMs) return undefined;
  return row;
}

export async function storeMatch(db: Db, row: typeof configurationMatches.$inferInsert): Promise<void> {
  await db
    .insert(configurationMatches)
    .values(row)
    .onConflictDoUpdate({
      target: [configurationMatches.tenantId, configurationMatches.matchField, configurationMatches.clusterId],
      set: { cwConfigurationId: row.cwConfigurationId, cwCompanyId: row.cwCompanyId, fetchedAt: row.fetchedAt },
    });
}

/** Run counters a ticket sync contributes (added once, when its run ticket completes). */
export interface TicketStats {
  created: number;
  updated: number;
  notesMirrored: number;
  commentsMirrored: number;
  warnings: number;
  portalCalls: number;
  cwCalls: number;
}

export const emptyStats = (): TicketStats => ({ created: 0, updated: 0, notesMirrored: 0, commentsMirrored: 0, warnings: 0, portalCalls: 0, cwCalls: 0 });

export const statsIncrement = (stats: TicketStats) => ({
  ticketsCreated: sql`tickets_created + ${stats.created}`,
  ticketsUpdated: sql`tickets_updated + ${stats.updated}`,
  notesMirrored: sql`notes_mirrored + ${stats.notesMirrored}`,
  commentsMirrored: sql`comments_mirrored + ${stats.commentsMirrored}`,
  warnings: sql`warnings + ${stats.warnings}`,
  portalCalls: sql`portal_calls + ${stats.portalCalls}`,
  cwCalls: sql`cw_calls + ${stats.cwCalls}`,
});
