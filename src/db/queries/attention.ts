import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../client";
import { tenants } from "../schema";
import type { FetchLike } from "../../egress/fetch";
import { announceAttention, announceRecovery } from "../../services/alerts";

/** How long scheduled runs leave a tenant alone after its credentials were rejected. */
const PROBE_AFTER_MS = 30 * 60 * 1000;

/**
 * Marks a tenant as needing attention; scheduled runs probe it again after PROBE_AFTER_MS
 * (unless `probe: false`, for problems that do not come from hammering an API). The
 * tenant's alert webhook hears of it once.
 */
export async function markNeedsAttention(
  db: Db,
  alerts: FetchLike,
  tenantId: string,
  reason: string,
  now: Date,
  opts: { probe?: boolean } = {},
): Promise<void> {
  const at = now.toISOString();
  const row = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { attentionSince: true } });
  await db
    .update(tenants)
    .set({
      attentionReason: reason.slice(0, 500),
      attentionSince: row?.attentionSince ?? at,
      probeAfter: opts.probe === false ? null : new Date(now.getTime() + PROBE_AFTER_MS).toISOString(),
    })
    .where(eq(tenants.id, tenantId));
  await announceAttention(db, alerts, tenantId);
}

/** Clears the flag after a run got through; returns whether it was set (so recovery is said once). */
export async function clearNeedsAttention(db: Db, alerts: FetchLike, tenantId: string): Promise<boolean> {
  const before = await db.query.tenants.findFirst({
    where: eq(tenants.id, tenantId),
    columns: { name: true, alertWebhookUrl: true, attentionAnnouncedAt: true },
  });
  const rows = await db
    .update(tenants)
    .set({ attentionReason: null, attentionSince: null, probeAfter: null, attentionAnnouncedAt: null })
    .where(and(eq(tenants.id, tenantId), isNotNull(tenants.attentionReason)))
    .returning({ id: tenants.id });
  if (rows.length > 0 && before?.attentionAnnouncedAt) await announceRecovery(alerts, tenantId, before.name, before.alertWebhookUrl);
  return rows.length > 0;
}
