import type { Db } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import { deleteUserSessionsStatement, findUserWithTenant, updatePasswordStatement } from "../../db/queries/users";
import { hashPassword, verifyPassword } from "../../lib/crypto";
import type { PasswordChangeForm } from "../../schemas/accounts";

/** A field-level problem or success, for forms that re-render with messages. */
export type FormResult<T = undefined> = { ok: true; value: T } | { ok: false; errors: Record<string, string>; status: 400 | 404 | 409 };

export const fail = (errors: Record<string, string>, status: 400 | 404 | 409 = 400): FormResult<never> => ({ ok: false, errors, status });

/**
 * Changes the signed-in user's own password. Every other session of the user ends with
 * it (the caller then starts a fresh one), so a stolen session does not outlive it.
 */
export async function changeOwnPassword(db: Db, pepper: string, userId: string, form: PasswordChangeForm): Promise<FormResult> {
  const found = await findUserWithTenant(db, userId);
  if (!found) return fail({ form: "Your account no longer exists." }, 404);
  const { user } = found;
  if (!(await verifyPassword(form.current, user.passwordHash, pepper))) return fail({ current: "Your current password is not right." });
  if (form.password.trim().toLowerCase() === user.email.toLowerCase()) return fail({ password: "Do not use your email address as your password." });
  if (form.password === form.current) return fail({ password: "Choose a password different from the current one." });
  await db.batch([
    updatePasswordStatement(db, user.id, await hashPassword(form.password, pepper)),
    deleteUserSessionsStatement(db, user.id),
    auditStatement(db, {
      tenantId: user.tenantId,
      userId: user.id,
      action: "account.password_changed",
      target: user.email,
      detail: user.mustChangePassword ? "Temporary password replaced" : "Password changed",
    }),
  ]);
  return { ok: true, value: undefined };
}
