import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { signInLinks, tenants, users } from "../../db/schema";

export function insertSignInLinkStatement(db: Db, row: typeof signInLinks.$inferInsert) {
  return db.insert(signInLinks).values(row);
}

/** A new link replaces the user's unused ones: only the latest handed-over link works. */
export function deleteUnusedSignInLinksStatement(db: Db, userId: string) {
  return db.delete(signInLinks).where(and(eq(signInLinks.userId, userId), isNull(signInLinks.usedAt)));
}

/** The user behind an unused, unexpired link (with their tenant's status), or undefined. */
export async function findLiveSignInLink(db: Db, tokenHash: string, now: string) {
  const rows = await db
    .select({ userId: users.id, email: users.email, tenantId: users.tenantId, disabled: users.disabled, tenantStatus: tenants.status })
    .from(signInLinks)
    .innerJoin(users, eq(users.id, signInLinks.userId))
    .leftJoin(tenants, eq(tenants.id, users.tenantId))
    .where(and(eq(signInLinks.tokenHash, tokenHash), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now)))
    .limit(1);
  return rows[0];
}

/** Marks the link used in one statement: of two parallel uses, exactly one gets the row back. */
export async function consumeSignInLink(db: Db, tokenHash: string, now: string): Promise<string | null> {
  const rows = await db
    .update(signInLinks)
    .set({ usedAt: now })
    .where(and(eq(signInLinks.tokenHash, tokenHash), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now)))
    .returning({ userId: signInLinks.userId });
  return rows[0]?.userId ?? null;
}
