import { nowIso, type Db } from "../../db/client";
import { revokeTokensOfCreatorStatement } from "../../db/queries/tokens";
import { auditStatement } from "../../db/queries/audit";
import { countActiveAdmins, deleteUserSessionsStatement, findTenantUser, findUserByEmail, updateTenantUserStatement } from "../../db/queries/users";
import { users } from "../../db/schema";
import type { Actor } from "../../domain/actor";
import { rateLimiterStub } from "../../jobs/stubs";
import type { RateRule } from "../../limits/rate-limit";
import { NO_PASSWORD } from "../../lib/crypto";
import { AppError, FieldErrors } from "../../lib/errors";
import type { AddUserForm } from "../../schemas/accounts";
import { newSignInLink } from "./sign-in-links";

/** Tenant admins manage their tenant's users; every change is audited in the same batch. */

const ROLE_WORD = { tenant_admin: "admin", tenant_viewer: "viewer" } as const;
type TenantRole = keyof typeof ROLE_WORD;

/** A one-time sign-in link just issued (its token; the route makes the URL). */
export interface IssuedLink {
  email: string;
  token: string;
}

/**
 * Emails are unique across psa-sync, so an address in use anywhere cannot be added. The one
 * answer below never says where (this tenant, another tenant, an operator), and refusals
 * are limited per tenant so an admin cannot test addresses in bulk.
 */
export const EMAIL_UNAVAILABLE = "This email address cannot be added. Use another address for this person.";
export const ADD_USER_REFUSALS: RateRule = { limit: 10, windowMs: 60 * 60 * 1000 };
const TOO_MANY_REFUSALS = "Too many addresses were refused recently. Try again later.";

export async function addTenantUser(env: Env, db: Db, tenantId: string, actor: Actor, form: AddUserForm): Promise<IssuedLink> {
  const refusals = rateLimiterStub(env, `add-user-refused:${tenantId}`);
  if ((await refusals.blockedFor(ADD_USER_REFUSALS)) !== null) throw FieldErrors.of({ email: TOO_MANY_REFUSALS }, "conflict");
  if (await findUserByEmail(db, form.email)) {
    await refusals.take(ADD_USER_REFUSALS);
    throw FieldErrors.of({ email: EMAIL_UNAVAILABLE }, "conflict");
  }
  const id = `usr_${crypto.randomUUID()}`;
  const link = await newSignInLink(db, id);
  await db.batch([
    // No password until they choose one with the link (NO_PASSWORD matches none).
    db.insert(users).values({ id, email: form.email, name: form.name, role: form.role, tenantId, passwordHash: NO_PASSWORD, mustChangePassword: true }),
    ...link.statements,
    auditStatement(db, {
      tenantId,
      userId: actor.userId,
      action: "user.added",
      target: form.email,
      detail: `Added as ${ROLE_WORD[form.role]}; sign-in link issued`,
    }),
  ]);
  return { email: form.email, token: link.token };
}

/**
 * Loads the target and applies the guards every change shares: it is this tenant's
 * user, and it is not the actor (your own role and access are changed by another admin).
 */
async function target(db: Db, tenantId: string, actor: Actor, userId: string) {
  const user = await findTenantUser(db, tenantId, userId);
  if (!user) throw new AppError("not_found", "That user does not exist.");
  if (user.id === actor.userId) throw new AppError("conflict", "You cannot change your own role, access or password here.");
  return user;
}

/** The last enabled admin must stay one, or nobody could manage the tenant. */
async function refuseLastAdmin(db: Db, tenantId: string, user: { role: string; disabled: boolean }) {
  if (user.role === "tenant_admin" && !user.disabled && (await countActiveAdmins(db, tenantId)) <= 1)
    throw new AppError("conflict", "This is the last admin of the tenant: make someone else admin first.");
}

/** Already in that role: nothing changes, nothing is audited. */
export async function changeRole(db: Db, tenantId: string, actor: Actor, userId: string, role: TenantRole): Promise<void> {
  const user = await target(db, tenantId, actor, userId);
  if (user.role === role) return;
  if (role !== "tenant_admin") await refuseLastAdmin(db, tenantId, user);
  await db.batch([
    updateTenantUserStatement(db, tenantId, userId, { role }),
    auditStatement(db, { tenantId, userId: actor.userId, action: "user.role_changed", target: user.email, detail: `Now ${ROLE_WORD[role]}` }),
  ]);
}

export async function setUserDisabled(db: Db, tenantId: string, actor: Actor, userId: string, disabled: boolean): Promise<void> {
  const user = await target(db, tenantId, actor, userId);
  if (disabled) await refuseLastAdmin(db, tenantId, user);
  await db.batch([
    updateTenantUserStatement(db, tenantId, userId, { disabled }),
    // A disabled user is signed out at once, not at the end of their session, and the API
    // tokens they created are revoked.
    ...(disabled ? [deleteUserSessionsStatement(db, userId), revokeTokensOfCreatorStatement(db, tenantId, userId, nowIso())] : []),
    auditStatement(db, {
      tenantId,
      userId: actor.userId,
      action: disabled ? "user.disabled" : "user.enabled",
      target: user.email,
      detail: disabled ? "Signed out; API tokens they created revoked" : "",
    }),
  ]);
}

/** The old password stops working at once; the user chooses a new one with the link. */
export async function resetUserPassword(db: Db, tenantId: string, actor: Actor, userId: string): Promise<IssuedLink> {
  const user = await target(db, tenantId, actor, userId);
  const link = await newSignInLink(db, userId);
  await db.batch([
    updateTenantUserStatement(db, tenantId, userId, { passwordHash: NO_PASSWORD, mustChangePassword: true, failedSignIns: 0, lockedUntil: null }),
    deleteUserSessionsStatement(db, userId),
    ...link.statements,
    auditStatement(db, { tenantId, userId: actor.userId, action: "user.password_reset", target: user.email, detail: "Sign-in link issued" }),
  ]);
  return { email: user.email, token: link.token };
}
