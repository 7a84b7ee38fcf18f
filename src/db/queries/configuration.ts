import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { connectwiseConnections, portalConnections, priorityMappings, statusMappings, tenantSettings, tenants } from "../schema";
import { testResult, type TestResult } from "../../domain/connection-test";
import { setupIncompleteMessage, type SetupState } from "../../domain/setup";

export type PortalRow = typeof portalConnections.$inferSelect;
export type ConnectWiseRow = typeof connectwiseConnections.$inferSelect;
export type SettingsRow = typeof tenantSettings.$inferSelect;
export type PriorityRow = typeof priorityMappings.$inferSelect;
export type StatusRow = typeof statusMappings.$inferSelect;

/** Everything the configuration pages show for one tenant, in one round trip. */
export async function loadConfiguration(db: Db, tenantId: string) {
  const [portal, cw, settings, priorities, statuses] = await db.batch([
    db.select().from(portalConnections).where(eq(portalConnections.tenantId, tenantId)),
    db.select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId)),
    db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId)),
    db.select().from(priorityMappings).where(eq(priorityMappings.tenantId, tenantId)),
    db.select().from(statusMappings).where(eq(statusMappings.tenantId, tenantId)),
  ]);
  return { portal: portal[0] ?? null, cw: cw[0] ?? null, settings: settings[0] ?? null, priorities, statuses };
}
export type Configuration = Awaited<ReturnType<typeof loadConfiguration>>;

/** What `setupMissing` judges, from the rows a tenant has (a configuration, or a ticket's state). */
export function setupStateOf(rows: {
  portal: unknown;
  connectwise: unknown;
  settings: Pick<SettingsRow, "boardId" | "defaultCompanyId"> | null | undefined;
  priorities: Pick<PriorityRow, "portalValue">[];
  statuses: Pick<StatusRow, "portalValue">[];
}): SetupState {
  return {
    portalConnected: Boolean(rows.portal),
    connectwiseConnected: Boolean(rows.connectwise),
    boardId: rows.settings?.boardId ?? null,
    defaultCompanyId: rows.settings?.defaultCompanyId ?? null,
    mappedPriorities: rows.priorities.map((p) => p.portalValue),
    mappedStatuses: rows.statuses.map((s) => s.portalValue),
  };
}

/** "Setup incomplete: …" for this tenant, or null when it may sync. */
export async function setupIncomplete(db: Db, tenantId: string): Promise<string | null> {
  const config = await loadConfiguration(db, tenantId);
  return setupIncompleteMessage(setupStateOf({ ...config, connectwise: config.cw }));
}

export async function findPortalConnection(db: Db, tenantId: string): Promise<PortalRow | null> {
  return (await db.select().from(portalConnections).where(eq(portalConnections.tenantId, tenantId)).limit(1))[0] ?? null;
}

export async function findConnectWiseConnection(db: Db, tenantId: string): Promise<ConnectWiseRow | null> {
  return (await db.select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId)).limit(1))[0] ?? null;
}

/** The stored last test result; a malformed value reads as "never tested". */
export function readTestResult(settings: SettingsRow | null): TestResult | null {
  const parsed = testResult.safeParse(settings?.lastConnectionTest ?? null);
  return parsed.success ? parsed.data : null;
}

export function upsertPortalStatement(db: Db, row: typeof portalConnections.$inferInsert) {
  const { tenantId: _tenantId, ...set } = row;
  return db.insert(portalConnections).values(row).onConflictDoUpdate({ target: portalConnections.tenantId, set });
}

export function upsertConnectWiseStatement(db: Db, row: typeof connectwiseConnections.$inferInsert) {
  const { tenantId: _tenantId, ...set } = row;
  return db.insert(connectwiseConnections).values(row).onConflictDoUpdate({ target: connectwiseConnections.tenantId, set });
}

/** New credentials are a fresh start: scheduled runs stop skipping the tenant. */
export function clearAttentionStatement(db: Db, tenantId: string) {
  return db.update(tenants).set({ attentionReason: null, attentionSince: null, probeAfter: null }).where(eq(tenants.id, tenantId));
}

export function upsertSettingsStatement(db: Db, tenantId: string, set: Partial<Omit<typeof tenantSettings.$inferInsert, "tenantId">>) {
  return db
    .insert(tenantSettings)
    .values({ tenantId, ...set })
    .onConflictDoUpdate({ target: tenantSettings.tenantId, set });
}

export function upsertPriorityStatement(db: Db, row: typeof priorityMappings.$inferInsert) {
  return db
    .insert(priorityMappings)
    .values(row)
    .onConflictDoUpdate({
      target: [priorityMappings.tenantId, priorityMappings.portalValue],
      set: { cwPriorityId: row.cwPriorityId, cwPriorityName: row.cwPriorityName },
    });
}

export function upsertStatusStatement(db: Db, row: typeof statusMappings.$inferInsert) {
  return db
    .insert(statusMappings)
    .values(row)
    .onConflictDoUpdate({
      target: [statusMappings.tenantId, statusMappings.portalValue],
      set: { cwStatusId: row.cwStatusId, cwStatusName: row.cwStatusName, cwStatusClosed: row.cwStatusClosed },
    });
}

/** The next run checks the board's statuses (a status write was refused: one may have been deleted). */
export async function requestBoardCheck(db: Db, tenantId: string): Promise<void> {
  await db.update(tenantSettings).set({ boardCheckedAt: null }).where(eq(tenantSettings.tenantId, tenantId));
}
