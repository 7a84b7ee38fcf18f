import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { sessions, tenants, users } from "../schema";

export function findUserByEmail(db: Db, email: string) {
  return db.query.users.findFirst({ where: eq(users.email, email) });
}

export async function findUserWithTenant(db: Db, userId: string) {
  const rows = await db
    .select({ user: users, tenantName: tenants.name, tenantStatus: tenants.status })
    .from(users)
    .leftJoin(tenants, eq(users.tenantId, tenants.id))
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0];
}

/**
 * Counts a failed sign-in in one atomic statement (no read-then-write race); by email, so an
 * unknown address costs the same query. Returns the new count, or null for no such account.
 */
export async function recordFailedSignIn(db: Db, email: string): Promise<number | null> {
  const rows = await db
    .update(users)
    .set({ failedSignIns: sql`${users.failedSignIns} + 1` })
    .where(eq(users.email, email))
    .returning({ failedSignIns: users.failedSignIns });
  return rows[0]?.failedSignIns ?? null;
}

/** A successful sign-in: clears the count, and stores an upgraded hash when there is one. */
export async function recordSuccessfulSignIn(db: Db, userId: string, upgradedHash?: string) {
  await db
    .update(users)
    .set({ failedSignIns: 0, lockedUntil: null, ...(upgradedHash ? { passwordHash: upgradedHash } : {}) })
    .where(eq(users.id, userId));
}

/** A tenant's users, for the Users page (never the password hash). */
export function listTenantUsers(db: Db, tenantId: string) {
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      disabled: users.disabled,
      mustChangePassword: users.mustChangePassword,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(eq(users.tenantId, tenantId))
    .orderBy(asc(users.email));
}

/** One user of this tenant (scoped: another tenant's user id finds nothing). */
export function findTenantUser(db: Db, tenantId: string, userId: string) {
  return db.query.users.findFirst({ where: and(eq(users.id, userId), eq(users.tenantId, tenantId)) });
}

/** Enabled admins of the tenant: the last one cannot be demoted or disabled. */
export async function countActiveAdmins(db: Db, tenantId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, "tenant_admin"), eq(users.disabled, false)));
  return row?.n ?? 0;
}

export function updateTenantUserStatement(
  db: Db,
  tenantId: string,
  userId: string,
  values: Partial<Pick<typeof users.$inferInsert, "role" | "disabled" | "passwordHash" | "mustChangePassword" | "failedSignIns" | "lockedUntil">>,
) {
  return db
    .update(users)
    .set(values)
    .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)));
}

export function updatePasswordStatement(db: Db, userId: string, passwordHash: string) {
  return db.update(users).set({ passwordHash, mustChangePassword: false, failedSignIns: 0, lockedUntil: null }).where(eq(users.id, userId));
}

/** Signs a user out everywhere (password changed or reset, account disabled). */
export function deleteUserSessionsStatement(db: Db, userId: string) {
  return db.delete(sessions).where(eq(sessions.userId, userId));
}
