import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { syncRuns, tenants } from "../db/schema";
import { errorFields, log } from "../lib/log";
import { z } from "zod";

/** Where alerts may go: an https incoming-webhook URL (Teams, Slack …); http only on this machine. */
export const alertWebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .url("Enter the webhook's full address, starting with https://")
  .refine((u) => u.startsWith("https://") || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(u), "The webhook address must start with https://");

/** Runs in a row that must fail before a tenant is flagged. */
export const FAILED_RUNS_BEFORE_ATTENTION = 3;

/**
 * Posts `{ text }` (understood by Teams and Slack incoming webhooks). Never throws: an
 * unreachable alert hook must not fail the sync that noticed the problem.
 */
async function post(url: string, text: string, tenantId: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }), signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    if (!res.ok) log.warn("alert.rejected", { tenant: tenantId, status: res.status });
    return res.ok;
  } catch (err) {
    log.warn("alert.failed", { tenant: tenantId, ...errorFields(err) });
    return false;
  }
}

/** Announces a tenant's problem once (until it recovers), if it has an alert webhook. */
export async function announceAttention(db: Db, tenantId: string): Promise<void> {
  const t = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!t?.alertWebhookUrl || !t.attentionReason || t.attentionAnnouncedAt) return;
  if (await post(t.alertWebhookUrl, `psa-sync: ${t.name} needs attention. ${t.attentionReason}`, tenantId)) {
    await db.update(tenants).set({ attentionAnnouncedAt: new Date().toISOString() }).where(and(eq(tenants.id, tenantId), isNull(tenants.attentionAnnouncedAt)));
  }
}

/** Says so once when an announced problem has cleared. */
export async function announceRecovery(db: Db, tenantId: string, name: string, url: string | null): Promise<void> {
  if (url) await post(url, `psa-sync: ${name} is syncing again.`, tenantId);
}

/** The tenant's last runs all failed (skipped runs are not counted). */
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
