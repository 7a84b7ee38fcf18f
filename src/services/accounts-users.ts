import type { Db } from "../db/client";
import { auditStatement } from "../db/queries/audit";
import { countActiveAdmins, deleteUserSessionsStatement, findTenantUser, findUserByEmail, updateTenantUserStatement } from "../db/queries/users";
import { users } from "../db/schema";
import { hashPassword } from "../lib/crypto";
import type { AddUserForm } from "../schemas/accounts";
import { fail, temporaryPassword, type FormResult } from "./accounts";

/** Tenant admins manage their tenant's users; every change is audited in the same batch. */

const ROLE_WORD = { tenant_admin: "admin", tenant_viewer: "viewer" } as const;
type TenantRole = keyof typeof ROLE_WORD;

export interface IssuedPassword {
  email: string;
  temporaryPassword: string;
}

export async function addTenantUser(db: Db, tenantId: string, actorId: string, form: AddUserForm): Promise<FormResult<IssuedPassword>> {
  if (await findUserByEmail(db, form.email)) return fail({ email: "That email address already has an account." }, 409);
  const password = temporaryPassword();
  const id = `usr_${crypto.randomUUID()}`;
  await db.batch([
    db.insert(users).values({ id, email: form.email, name: form.name, role: form.role, tenantId, passwordHash: await hashPassword(password), mustChangePassword: true }),
    auditStatement(db, { tenantId, userId: actorId, action: "user.added", target: form.email, detail: `Added as ${ROLE_WORD[form.role]}` }),
  ]);
  return { ok: true, value: { email: form.email, temporaryPassword: password } };
}

/**
 * Loads the target and applies the guards every change shares: it is this tenant's
 * user, and it is not the actor (your own role and access are changed by another admin).
 */
async function target(db: Db, tenantId: string, actorId: string, userId: string) {
  const user = await findTenantUser(db, tenantId, userId);
  if (!user) return { error: fail({ form: "That user does not exist." }, 404) };
  if (user.id === actorId) return { error: fail({ form: "You cannot change your own role, access or password here." }, 409) };
  return { user };
}

/** The last enabled admin must stay one, or nobody could manage the tenant. */
async function isLastAdmin(db: Db, tenantId: string, user: { role: string; disabled: boolean }) {
  return user.role === "tenant_admin" && !user.disabled && (await countActiveAdmins(db, tenantId)) <= 1;
}

export async function changeRole(db: Db, tenantId: string, actorId: string, userId: string, role: TenantRole): Promise<FormResult<string>> {
  const t = await target(db, tenantId, actorId, userId);
  if (t.error) return t.error;
  if (t.user.role === role) return { ok: true, value: `${t.user.email} is already ${ROLE_WORD[role]}.` };
  if (role !== "tenant_admin" && (await isLastAdmin(db, tenantId, t.user))) return fail({ form: "This is the last admin of the tenant: make someone else admin first." }, 409);
  await db.batch([
    updateTenantUserStatement(db, tenantId, userId, { role }),
    auditStatement(db, { tenantId, userId: actorId, action: "user.role_changed", target: t.user.email, detail: `Now ${ROLE_WORD[role]}` }),
  ]);
  return { ok: true, value: `${t.user.email} is now ${ROLE_WORD[role]}.` };
}

export async function setUserDisabled(db: Db, tenantId: string, actorId: string, userId: string, disabled: boolean): Promise<FormResult<string>> {
  const t = await target(db, tenantId, actorId, userId);
  if (t.error) return t.error;
  if (disabled && (await isLastAdmin(db, tenantId, t.user))) return fail({ form: "This is the last admin of the tenant: make someone else admin first." }, 409);
  await db.batch([
    updateTenantUserStatement(db, tenantId, userId, { disabled }),
    // A disabled user is signed out at once, not at the end of their session.
    ...(disabled ? [deleteUserSessionsStatement(db, userId)] : []),
    auditStatement(db, { tenantId, userId: actorId, action: disabled ? "user.disabled" : "user.enabled", target: t.user.email }),
  ]);
  return { ok: true, value: `${t.user.email} is ${disabled ? "disabled and signed out" : "enabled again"}.` };
}

export async function resetUserPassword(db: Db, tenantId: string, actorId: string, userId: string): Promise<FormResult<IssuedPassword>> {
  const t = await target(db, tenantId, actorId, userId);
  if (t.error) return t.error;
  const password = temporaryPassword();
  await db.batch([
    updateTenantUserStatement(db, tenantId, userId, { passwordHash: await hashPassword(password), mustChangePassword: true, failedSignIns: 0, lockedUntil: null }),
    deleteUserSessionsStatement(db, userId),
    auditStatement(db, { tenantId, userId: actorId, action: "user.password_reset", target: t.user.email, detail: "Temporary password issued" }),
  ]);
  return { ok: true, value: { email: t.user.email, temporaryPassword: password } };
}
