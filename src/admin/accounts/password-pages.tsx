import { Hono, type Context } from "hono";
import { createDb } from "../../db/client";
import { log } from "../../lib/log";
import { formErrors } from "../../lib/validation";
import { passwordChangeForm } from "../../schemas/accounts";
import { changeOwnPassword } from "./service";
import { PasswordPage } from "./views/password-page";
import { startSession, validated, type AdminEnv } from "../shared/session";

/** Account pages: the signed-in user's own password (forced change of temporary passwords). */
export const accountRoutes = new Hono<AdminEnv>();

accountRoutes.get("/password", (c) => {
  const user = c.get("user");
  return c.html(<PasswordPage user={user} csrfToken={c.get("csrfToken")} forced={user.mustChangePassword} />);
});

const render = (c: Context<AdminEnv>, errors: Record<string, string>, status: 400 | 404 | 409) => {
  const user = c.get("user");
  return c.html(<PasswordPage user={user} csrfToken={c.get("csrfToken")} forced={user.mustChangePassword} errors={errors} />, status);
};

accountRoutes.post(
  "/password",
  validated("form", passwordChangeForm, (c, _e, _raw, error) => render(c, formErrors(error), 400)),
  async (c) => {
    const user = c.get("user");
    const db = createDb(c.env.DB);
    const result = await changeOwnPassword(db, c.env.PASSWORD_PEPPER, user.id, c.req.valid("form"));
    if (!result.ok) return render(c, result.errors, result.status);
    // The change ended every session of the user (this one too): rotate to a fresh one.
    await startSession(c, db, user.id);
    log.info("auth.password_changed", { userId: user.id, tenant: user.tenantId ?? undefined });
    return c.redirect("/", 303);
  },
);
