import { inArray } from "drizzle-orm";
import { inChunks, type Db } from "../client";
import { auditLog, users } from "../schema";

export type AuditRow = typeof auditLog.$inferSelect;

/** Emails of the users named in audit rows (one query per page, not one per row). */
export async function userEmails(db: Db, ids: string[]): Promise<Map<string, string>> {
  const rows = await inChunks([...new Set(ids)], (chunk) => db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, chunk)));
  return new Map(rows.map((r) => [r.id, r.email]));
}
