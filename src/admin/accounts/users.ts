import { nowIso, type Db } from "../../db/client";
import { revokeTokensOfCreatorStatement } from "../../db/queries/tokens";
import { auditStatement } from "../../db/queries/audit";
import { countActiveAdmins, deleteUserSessionsStatement, findTenantUser, findUserByEmail, updateTenantUserStatement } from "../../db/queries/users";
import { users } from "../../db/schema";
import { rateLimiterStub } from "../../jobs/stubs";
import type { RateRule } from "../../limits/rate-limit";
import { NO_PASSWORD } from "../../lib/crypto";
import type { AddUserForm } from "../../schemas/accounts";
import { fail, type FormResult } from "./service";
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

export async function addTenantUser(env: Env, db: Db, tenantId: string, actorId: string, form: AddUserForm): Promise<FormResult<IssuedLink>> {
  const refusals = rateLimiterStub(env, `add-user-refused:${tenantId}`);
  if ((await refusals.blockedFor(ADD_USER_REFUSALS)) !== null) return fail({ email: TOO_MANY_REFUSALS }, 409);
  if (await findUserByEmail(db, form.email)) {
    await refusals.take(ADD_USER_REFUSALS);
    return fail({ email: EMAIL_UNAVAILABLE }, 409);
  }
  const id = `usr_${crypto.randomUUID()}`;
  const link = await newSignInLink(db, id);
  await db.batch([
    // No password until they choose one with the link (NO_PASSWORD matches none).
    db.insert(users).values({ id, email: form.email, name: form.name, role: form.role, tenantId, passwordHash: NO_PASSWORD, mustChangePassword: true }),
    ...link.statements,
    auditStatement(db, {
      tenantId,
      userId: actorId,
      action: "user.added",
      target: form.email,
      detail: `Added as ${ROLE_WORD[form.role]}; sign-in link issued`,
    }),
  ]);
  return { ok: true, value: { email: form.email, token: link.token } };
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
  if (role !== "tenant_admin" && (await isLastAdmin(db, tenantId, t.user)))
    return fail({ form: "This is the last admin of the tenant: make someone else admin first." }, 409);
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
    // A disabled user is signed out at once, not at the end of their session, and the API
    // tokens they created are revoked.
    ...(disabled ? [deleteUserSessionsStatement(db, userId), revokeTokensOfCreatorStatement(db, tenantId, userId, nowIso())] : []),
    auditStatement(db, {
      tenantId,
      userId: actorId,
      action: disabled ? "user.disabled" : "user.enabled",
      target: t.user.email,
      detail: disabled ? "Signed out; API tokens they created revoked" : "",
    }),
  ]);
  return { ok: true, value: `${t.user.email} is ${disabled ? "disabled and signed out" : "enabled again"}.` };
}

/** The old password stops working at once; the user chooses a new one with the link. */
export async function resetUserPassword(db: Db, tenantId: string, actorId: string, userId: string): Promise<FormResult<IssuedLink>> {
  const t = await target(db, tenantId, actorId, userId);
  if (t.error) return t.error;
  const link = await newSignInLink(db, userId);
  await db.batch([
    updateTenantUserStatement(db, tenantId, userId, { passwordHash: NO_PASSWORD, mustChangePassword: true, failedSignIns: 0, lockedUntil: null }),
    deleteUserSessionsStatement(db, userId),
    ...link.statements,
    auditStatement(db, { tenantId, userId: actorId, action: "user.password_reset", target: t.user.email, detail: "Sign-in link issued" }),
  ]);
  return { ok: true, value: { email: t.user.email, token: link.token } };
}
