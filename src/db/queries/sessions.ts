import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { sessions } from "../schema";

export function insertSession(db: Db, row: typeof sessions.$inferInsert) {
  return db.insert(sessions).values(row);
}

export function findSession(db: Db, tokenHash: string) {
  return db.query.sessions.findFirst({ where: eq(sessions.tokenHash, tokenHash) });
}

export function touchSession(db: Db, tokenHash: string, lastSeenAt: string) {
  return db.update(sessions).set({ lastSeenAt }).where(eq(sessions.tokenHash, tokenHash));
}

export function deleteSession(db: Db, tokenHash: string) {
  return db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}
