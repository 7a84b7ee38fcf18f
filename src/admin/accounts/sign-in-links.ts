import type { Db } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import { consumeSignInLink, deleteUnusedSignInLinksStatement, findLiveSignInLink, insertSignInLinkStatement } from "./queries";
import { deleteUserSessionsStatement, updatePasswordStatement } from "../../db/queries/users";
import { hashPassword, randomToken, sha256Hex } from "../../lib/crypto";
import { AppError, FieldErrors } from "../../lib/errors";
import type { FirstPasswordForm } from "../../schemas/accounts";

/**
 * One-time first-sign-in links, instead of temporary passwords: shown once to the operator
 * or admin who hands it over, stored only as SHA-256, usable once within the period below.
 * Using it sets the user's password and signs them in.
 */
export const SIGN_IN_LINK_TTL_MS = 72 * 60 * 60 * 1000;
export const SIGN_IN_LINK_PATH = "/first-sign-in";
/** One answer for an unknown, expired, used or disabled link: none tells which. */
export const LINK_UNUSABLE = "This sign-in link does not work: it has expired, was already used or was replaced. Ask your admin (or operator) for a new one.";

/** A fresh link for the user: the statements go in the batch that creates or resets them. */
export async function newSignInLink(db: Db, userId: string) {
  const token = randomToken(32);
  const statements = [
    deleteUnusedSignInLinksStatement(db, userId),
    insertSignInLinkStatement(db, { tokenHash: await sha256Hex(token), userId, expiresAt: new Date(Date.now() + SIGN_IN_LINK_TTL_MS).toISOString() }),
  ] as const;
  return { token, statements };
}

/** The absolute link to hand over (PUBLIC_URL when set, else the address the admin uses). */
export function signInLinkUrl(env: Env, requestUrl: string, token: string): string {
  return `${env.PUBLIC_URL || new URL(requestUrl).origin}${SIGN_IN_LINK_PATH}/${token}`;
}

/** The account a link would sign in, when it is usable now (checked again, atomically, on use). */
export async function usableSignInLink(db: Db, token: string) {
  const found = await findLiveSignInLink(db, await sha256Hex(token), new Date().toISOString());
  if (!found || found.disabled || found.tenantStatus === "disabled") return null;
  return found;
}

/** Uses the link once: sets the password, ends other sessions, audits. Returns the user id. */
export async function useSignInLink(db: Db, pepper: string, token: string, form: FirstPasswordForm): Promise<string> {
  const link = await usableSignInLink(db, token);
  if (!link) throw new AppError("not_found", LINK_UNUSABLE);
  if (form.password.trim().toLowerCase() === link.email.toLowerCase()) throw FieldErrors.of({ password: "Do not use your email address as your password." });
  const passwordHash = await hashPassword(form.password, pepper);
  // The gate: one atomic UPDATE … RETURNING, so a link cannot be used twice, even in parallel.
  const userId = await consumeSignInLink(db, await sha256Hex(token), new Date().toISOString());
  if (userId !== link.userId) throw new AppError("not_found", LINK_UNUSABLE);
  await db.batch([
    updatePasswordStatement(db, userId, passwordHash),
    deleteUserSessionsStatement(db, userId),
    auditStatement(db, {
      tenantId: link.tenantId,
      userId,
      action: "account.first_sign_in",
      target: link.email,
      detail: "Password chosen with a one-time sign-in link",
    }),
  ]);
  return userId;
}
