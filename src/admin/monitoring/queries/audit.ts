import { inArray } from "drizzle-orm";
import { inChunks, type Db } from "../../../db/client";
import { users } from "../../../db/schema";

export interface AuditActor {
  email: string;
  role: (typeof users.$inferSelect)["role"];
}

/** The users named in audit rows (one query per page, not one per row). */
export async function auditActors(db: Db, ids: string[]): Promise<Map<string, AuditActor>> {
  const rows = await inChunks([...new Set(ids)], (chunk) =>
    db.select({ id: users.id, email: users.email, role: users.role }).from(users).where(inArray(users.id, chunk)),
  );
  return new Map(rows.map((r) => [r.id, { email: r.email, role: r.role }]));
}
