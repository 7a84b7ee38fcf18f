import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { syncRuns, tenantSettings, tenants, ticketLinks } from "../schema";

/** The admin-facing state of one tenant: paused, needs attention, last run. */
export async function loadTenantStatus(db: Db, tenantId: string) {
  const [tenantRows, runRows] = await db.batch([
    db
      .select({ status: tenants.status, paused: tenants.paused, attentionReason: tenants.attentionReason, attentionSince: tenants.attentionSince })
      .from(tenants)
      .where(eq(tenants.id, tenantId)),
    db
      .select({
        id: syncRuns.id,
        trigger: syncRuns.trigger,
        status: syncRuns.status,
        message: syncRuns.message,
        startedAt: syncRuns.startedAt,
        finishedAt: syncRuns.finishedAt,
      })
      .from(syncRuns)
      .where(eq(syncRuns.tenantId, tenantId))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1),
  ]);
  const tenant = tenantRows[0];
  return tenant ? { ...tenant, lastRun: runRows[0] ?? null } : undefined;
}

export function setPausedStatement(db: Db, tenantId: string, paused: boolean, at: string) {
  return db.update(tenants).set({ paused, updatedAt: at }).where(eq(tenants.id, tenantId));
}

export function setTenantStatusStatement(db: Db, tenantId: string, status: "active" | "disabled", at: string) {
  return db.update(tenants).set({ status, updatedAt: at }).where(eq(tenants.id, tenantId)).returning({ id: tenants.id, name: tenants.name });
}

/**
 * Marks one portal ticket for a full resync, creating its link when the platform has not
 * seen it yet (the next run then imports it whatever its date).
 */
export function requestResyncStatement(db: Db, tenantId: string, portalTicketId: number, at: string) {
  return db
    .insert(ticketLinks)
    .values({ tenantId, portalTicketId, resyncRequested: true })
    .onConflictDoUpdate({ target: [ticketLinks.tenantId, ticketLinks.portalTicketId], set: { resyncRequested: true, updatedAt: at } });
}

export function insertTenantStatements(db: Db, row: typeof tenants.$inferInsert) {
  return [db.insert(tenants).values(row), db.insert(tenantSettings).values({ tenantId: row.id })] as const;
}

export function findTenantById(db: Db, tenantId: string) {
  return db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { id: true, name: true } });
}

export function findTenantBySlug(db: Db, slug: string) {
  return db.query.tenants.findFirst({ where: eq(tenants.slug, slug), columns: { id: true } });
}

/** Every tenant with its last run, for the operator's list (one query, no N+1). */
export function listTenantsWithLastRun(db: Db) {
  const lastRun = db
    .select({
      tenantId: syncRuns.tenantId,
      startedAt: sql<string>`max(${syncRuns.startedAt})`.as("last_started_at"),
    })
    .from(syncRuns)
    .groupBy(syncRuns.tenantId)
    .as("last_run");
  return db
    .select({
      id: tenants.id,
      name: tenants.name,
      slug: tenants.slug,
      status: tenants.status,
      paused: tenants.paused,
      attentionReason: tenants.attentionReason,
      cwApprovedHost: tenants.cwApprovedHost,
      lastRunAt: lastRun.startedAt,
      lastRunStatus: syncRuns.status,
    })
    .from(tenants)
    .leftJoin(lastRun, eq(lastRun.tenantId, tenants.id))
    .leftJoin(syncRuns, and(eq(syncRuns.tenantId, tenants.id), eq(syncRuns.startedAt, lastRun.startedAt)))
    .orderBy(tenants.name);
}
