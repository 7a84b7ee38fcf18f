import { Hono, type Context } from "hono";
import { passwordChangeForm } from "../../schemas/accounts";
import { changeOwnPassword } from "./service";
import { PasswordPage } from "./views/password-page";
import { validated, type AdminEnv, type RefusedForm } from "../shared/context";
import { formPage } from "../shared/forms";
import { startSession } from "../shared/session";

/** Account pages: the signed-in user's own password (forced change of temporary passwords). */
export const accountRoutes = new Hono<AdminEnv>();

const renderPassword = (c: Context<AdminEnv>, { errors }: Partial<RefusedForm> = {}) => {
  const user = c.get("user");
  return c.render(<PasswordPage email={user.email} forced={user.mustChangePassword} errors={errors} />, { title: "Change password" });
};

accountRoutes.get("/password", (c) => renderPassword(c));

accountRoutes.post("/password", formPage(renderPassword), validated("form", passwordChangeForm), async (c) => {
  const user = c.get("user");
  await changeOwnPassword(c.var.db, c.env.PASSWORD_PEPPER, user.id, c.req.valid("form"));
  // The change ended every session of the user (this one too): rotate to a fresh one.
  await startSession(c, c.var.db, user.id);
  c.var.log.info("auth.password_changed", { tenant: user.tenantId ?? undefined });
  return c.redirect("/", 303);
});
