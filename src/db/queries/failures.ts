import type { Db } from "../client";
import { failures } from "../schema";

export type FailureInput = typeof failures.$inferInsert;

/** Records dead-lettered messages; a redelivered dead letter is recorded once. */
export async function recordFailures(db: Db, rows: FailureInput[]): Promise<void> {
  if (rows.length === 0) return;
  const inserts = rows.map((row) => db.insert(failures).values(row).onConflictDoNothing());
  await db.batch([inserts[0]!, ...inserts.slice(1)]);
}
