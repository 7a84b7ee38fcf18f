import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../client";
import { tenants } from "../schema";

/** How long scheduled runs leave a tenant alone after its credentials were rejected. */
export const PROBE_AFTER_MS = 30 * 60 * 1000;

/** Marks a tenant as needing attention; scheduled runs probe it again after PROBE_AFTER_MS. */
export async function markNeedsAttention(db: Db, tenantId: string, reason: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const row = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { attentionSince: true } });
  await db
    .update(tenants)
    .set({ attentionReason: reason.slice(0, 500), attentionSince: row?.attentionSince ?? at, probeAfter: new Date(now.getTime() + PROBE_AFTER_MS).toISOString() })
    .where(eq(tenants.id, tenantId));
}

/** Clears the flag after a run got through; returns whether it was set (so recovery is logged once). */
export async function clearNeedsAttention(db: Db, tenantId: string): Promise<boolean> {
  const rows = await db
    .update(tenants)
    .set({ attentionReason: null, attentionSince: null, probeAfter: null })
    .where(and(eq(tenants.id, tenantId), isNotNull(tenants.attentionReason)))
    .returning({ id: tenants.id });
  return rows.length > 0;
}
