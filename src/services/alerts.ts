import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { syncRuns, tenants } from "../db/schema";
import { errorFields, log } from "../lib/log";
import { z } from "zod";
import type { FetchLike } from "../egress/fetch";
import { egressConfig } from "../egress/fetch";
import { checkEgress } from "../egress/policy";

/** An alert webhook address as typed (Teams, Slack …); where it may point is the egress policy's call (`alertDestinationProblem`). */
export const alertWebhookUrl = z.string().trim().max(2000).url("Enter the webhook's full address, starting with https://");

/** Why the egress policy would refuse to post alerts there, or null when it may. */
export function alertDestinationProblem(env: Env, url: string, requestOrigin?: string): string | null {
  const verdict = checkEgress(url, "alert", egressConfig(env, requestOrigin));
  return verdict.ok ? null : `psa-sync cannot post alerts there: ${verdict.reason}.`;
}

/** Runs in a row that must fail before a tenant is flagged. */
const FAILED_RUNS_BEFORE_ATTENTION = 3;

/**
 * Posts `{ text }` (understood by Teams and Slack incoming webhooks). Never throws: an
 * unreachable alert hook must not fail the sync that noticed the problem.
 */
async function post(send: FetchLike, url: string, text: string, tenantId: string): Promise<boolean> {
  try {
    const res = await send(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
    if (!res.ok) log.warn("alert.rejected", { tenant: tenantId, status: res.status });
    return res.ok;
  } catch (err) {
    log.warn("alert.failed", { tenant: tenantId, ...errorFields(err) });
    return false;
  }
}

/** Announces a tenant's problem once (until it recovers), if it has an alert webhook. */
export async function announceAttention(db: Db, send: FetchLike, tenantId: string): Promise<void> {
  const t = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!t?.alertWebhookUrl || !t.attentionReason || t.attentionAnnouncedAt) return;
  if (await post(send, t.alertWebhookUrl, `psa-sync: ${t.name} needs attention. ${t.attentionReason}`, tenantId)) {
    await db
      .update(tenants)
      .set({ attentionAnnouncedAt: new Date().toISOString() })
      .where(and(eq(tenants.id, tenantId), isNull(tenants.attentionAnnouncedAt)));
  }
}

/** Says so once when an announced problem has cleared. */
export async function announceRecovery(send: FetchLike, tenantId: string, name: string, url: string | null): Promise<void> {
  if (url) await post(send, url, `psa-sync: ${name} is syncing again.`, tenantId);
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
