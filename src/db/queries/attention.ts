import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { syncRuns, tenants } from "../schema";

/** How long scheduled runs leave a tenant alone after its credentials were rejected. */
const PROBE_AFTER_MS = 30 * 60 * 1000;

/** Runs in a row that must fail before a tenant is flagged. */
const FAILED_RUNS_BEFORE_ATTENTION = 3;

/** Where a tenant's alert goes and what it names. */
export interface AlertTarget {
  name: string;
  alertWebhookUrl: string;
}

/**
 * Marks a tenant as needing attention; scheduled runs probe it again after PROBE_AFTER_MS
 * (unless `probe: false`, for problems that do not come from hammering an API). Returns
 * the alert to send when the tenant has an alert webhook and its problem is not announced yet.
 */
export async function markNeedsAttention(
  db: Db,
  tenantId: string,
  reason: string,
  now: Date,
  opts: { probe?: boolean } = {},
): Promise<(AlertTarget & { reason: string }) | null> {
  const at = now.toISOString();
  const row = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { attentionSince: true } });
  const [t] = await db
    .update(tenants)
    .set({
      attentionReason: reason.slice(0, 500),
      attentionSince: row?.attentionSince ?? at,
      probeAfter: opts.probe === false ? null : new Date(now.getTime() + PROBE_AFTER_MS).toISOString(),
    })
    .where(eq(tenants.id, tenantId))
    .returning({ name: tenants.name, alertWebhookUrl: tenants.alertWebhookUrl, reason: tenants.attentionReason, announcedAt: tenants.attentionAnnouncedAt });
  if (!t?.alertWebhookUrl || !t.reason || t.announcedAt) return null;
  return { name: t.name, alertWebhookUrl: t.alertWebhookUrl, reason: t.reason };
}

/** The current problem reached the alert webhook: it is not announced again until it clears. */
export async function markAttentionAnnounced(db: Db, tenantId: string, now: Date): Promise<void> {
  await db
    .update(tenants)
    .set({ attentionAnnouncedAt: now.toISOString() })
    .where(and(eq(tenants.id, tenantId), isNull(tenants.attentionAnnouncedAt)));
}

/**
 * Clears the flag after a run got through. `cleared` says whether it was set; `recovery` is
 * the alert to send when the problem had been announced (so recovery is said once).
 */
export async function clearNeedsAttention(db: Db, tenantId: string): Promise<{ cleared: boolean; recovery: AlertTarget | null }> {
  const before = await db.query.tenants.findFirst({
    where: eq(tenants.id, tenantId),
    columns: { name: true, alertWebhookUrl: true, attentionAnnouncedAt: true },
  });
  const rows = await db
    .update(tenants)
    .set({ attentionReason: null, attentionSince: null, probeAfter: null, attentionAnnouncedAt: null })
    .where(and(eq(tenants.id, tenantId), isNotNull(tenants.attentionReason)))
    .returning({ id: tenants.id });
  const cleared = rows.length > 0;
  const announced = cleared && before?.attentionAnnouncedAt && before.alertWebhookUrl;
  return { cleared, recovery: announced ? { name: before.name, alertWebhookUrl: before.alertWebhookUrl! } : null };
}

/** The tenant's last runs all failed (skipped runs are not counted): the problem to flag, else null. */
export async function runsKeepFailing(db: Db, tenantId: string): Promise<string | null> {
  const last = await db
    .select({ status: syncRuns.status, message: syncRuns.message })
    .from(syncRuns)
    .where(and(eq(syncRuns.tenantId, tenantId), isNotNull(syncRuns.finishedAt)))
    .orderBy(desc(syncRuns.startedAt))
    .limit(FAILED_RUNS_BEFORE_ATTENTION + 2);
  const ended = last.filter((r) => r.status !== "skipped").slice(0, FAILED_RUNS_BEFORE_ATTENTION);
  if (ended.length < FAILED_RUNS_BEFORE_ATTENTION || ended.some((r) => r.status !== "failed")) return null;
  return `The last ${FAILED_RUNS_BEFORE_ATTENTION} runs failed (latest: ${ended[0]!.message ?? "no reason given"}). Open Failures for details; psa-sync keeps trying every 5 minutes.`;
}
