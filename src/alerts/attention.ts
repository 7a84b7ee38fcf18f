import type { Db } from "../db/client";
import { clearNeedsAttention, markAttentionAnnounced, markNeedsAttention } from "../db/queries/attention";
import { egressConfig, type FetchLike } from "../egress/fetch";
import { checkEgress } from "../egress/policy";
import { errorFields, log } from "../lib/log";

/** Why the egress policy would refuse to post alerts there, or null when it may. */
export function alertDestinationProblem(env: Env, url: string, requestOrigin?: string): string | null {
  const verdict = checkEgress(url, "alert", egressConfig(env, requestOrigin));
  return verdict.ok ? null : `psa-sync cannot post alerts there: ${verdict.reason}.`;
}

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

/**
 * Flags a tenant as needing attention (db/queries/attention.ts) and tells its alert webhook
 * once per problem; a post that fails is tried again with the next problem.
 */
export async function raiseAttention(db: Db, send: FetchLike, tenantId: string, reason: string, now: Date, opts: { probe?: boolean } = {}): Promise<void> {
  const alert = await markNeedsAttention(db, tenantId, reason, now, opts);
  if (alert && (await post(send, alert.alertWebhookUrl, `psa-sync: ${alert.name} needs attention. ${alert.reason}`, tenantId))) {
    await markAttentionAnnounced(db, tenantId, new Date());
  }
}

/** Clears the flag after a run got through, saying so once if the problem was announced; whether it was set. */
export async function clearAttention(db: Db, send: FetchLike, tenantId: string): Promise<boolean> {
  const { cleared, recovery } = await clearNeedsAttention(db, tenantId);
  if (recovery) await post(send, recovery.alertWebhookUrl, `psa-sync: ${recovery.name} is syncing again.`, tenantId);
  return cleared;
}
