import type { Db } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import { deleteUserSessionsStatement, findUserWithTenant, updatePasswordStatement } from "../../db/queries/users";
import { hashPassword, verifyPassword } from "../../lib/crypto";
import { AppError, FieldErrors } from "../../lib/errors";
import type { PasswordChangeForm } from "../../schemas/accounts";

/**
 * Changes the signed-in user's own password. Every other session of the user ends with
 * it (the caller then starts a fresh one), so a stolen session does not outlive it.
 */
export async function changeOwnPassword(db: Db, pepper: string, userId: string, form: PasswordChangeForm): Promise<void> {
  const found = await findUserWithTenant(db, userId);
  if (!found) throw new AppError("not_found", "Your account no longer exists.");
  const { user } = found;
  if (!(await verifyPassword(form.current, user.passwordHash, pepper))) throw FieldErrors.of({ current: "Your current password is not right." });
  if (form.password.trim().toLowerCase() === user.email.toLowerCase()) throw FieldErrors.of({ password: "Do not use your email address as your password." });
  if (form.password === form.current) throw FieldErrors.of({ password: "Choose a password different from the current one." });
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
}
