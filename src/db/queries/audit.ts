import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { auditLog } from "../schema";
import { pastKey, seekOrder, type Seek } from "./keyset";

export interface AuditEntry {
  tenantId: string | null;
  userId: string | null;
  /** e.g. "settings.saved", "sync.requested", "token.created" */
  action: string;
  target?: string | null;
  /** Plain words; never a secret. */
  detail?: string;
}

/** Records an admin action. Use in the same request that made the change. */
export function auditStatement(db: Db, entry: AuditEntry) {
  return db
    .insert(auditLog)
    .values({ tenantId: entry.tenantId, userId: entry.userId, action: entry.action, target: entry.target ?? null, detail: entry.detail ?? "" });
}

export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await auditStatement(db, entry);
}

/** A tenant's audit log, newest first, keyset-paged by id. */
export function listAudit(db: Db, tenantId: string, seek: Seek | null, limit: number) {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, tenantId), pastKey(seek, [auditLog.id])))
    .orderBy(...seekOrder(seek, [auditLog.id]))
    .limit(limit);
}
