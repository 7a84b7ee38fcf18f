import { Hono } from "hono";
import { createDb } from "../../db/client";
import { log } from "../../lib/log";
import { formErrors, passwordChangeForm } from "../../schemas/accounts";
import { changeOwnPassword } from "../../services/accounts";
import { PasswordPage } from "../../views/tenant-admin/password-page";
import { startSession, type AdminEnv } from "./session";

/** Account pages: the signed-in user's own password (forced change of temporary passwords). */
export const accountRoutes = new Hono<AdminEnv>();

accountRoutes.get("/password", (c) => {
  const user = c.get("user");
  return c.html(<PasswordPage user={user} csrfToken={c.get("csrfToken")} forced={user.mustChangePassword} />);
});

accountRoutes.post("/password", async (c) => {
  const user = c.get("user");
  const render = (errors: Record<string, string>, status: 400 | 404 | 409) =>
    c.html(<PasswordPage user={user} csrfToken={c.get("csrfToken")} forced={user.mustChangePassword} errors={errors} />, status);
  const form = passwordChangeForm.safeParse(await c.req.parseBody());
  if (!form.success) return render(formErrors(form.error), 400);
  const db = createDb(c.env.DB);
  const result = await changeOwnPassword(db, c.env.PASSWORD_PEPPER, user.id, form.data);
  if (!result.ok) return render(result.errors, result.status);
  // The change ended every session of the user (this one too): rotate to a fresh one.
  await startSession(c, db, user.id);
  log.info("auth.password_changed", { userId: user.id, tenant: user.tenantId ?? undefined });
  return c.redirect("/", 303);
});
