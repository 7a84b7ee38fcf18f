import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { tenants, users } from "../schema";

export function findUserByEmail(db: Db, email: string) {
  return db.query.users.findFirst({ where: eq(users.email, email) });
}

export async function findUserWithTenant(db: Db, userId: string) {
  const rows = await db
    .select({ user: users, tenantName: tenants.name })
    .from(users)
    .leftJoin(tenants, eq(users.tenantId, tenants.id))
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0];
}

export async function recordFailedSignIn(db: Db, userId: string, failedSignIns: number, lockedUntil: string | null) {
  await db.update(users).set({ failedSignIns, lockedUntil }).where(eq(users.id, userId));
}

export async function recordSuccessfulSignIn(db: Db, userId: string) {
  await db.update(users).set({ failedSignIns: 0, lockedUntil: null }).where(eq(users.id, userId));
}
