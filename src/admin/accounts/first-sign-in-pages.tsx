import { Hono, type Context } from "hono";
import { firstPasswordForm } from "../../schemas/accounts";
import { LINK_UNUSABLE, SIGN_IN_LINK_PATH, usableSignInLink, useSignInLink } from "./sign-in-links";
import { FirstSignInPage } from "./views/first-sign-in-page";
import { validated, type AdminEnv, type RefusedForm } from "../shared/context";
import { formPage } from "../shared/forms";
import { startSession } from "../shared/session";

/** `/first-sign-in/<token>`: a one-time link sets the user's password and signs them in. */
export const firstSignInRoutes = new Hono<AdminEnv>();

const TITLE = { title: "Choose your password" };

/**
 * The link's form, with what to fix; a link that does not work (now) gets the one answer,
 * 404, whatever was posted: an unknown, expired, used or replaced link all look the same.
 */
async function renderLink(c: Context<AdminEnv>, { errors }: Partial<RefusedForm> = {}) {
  const link = await usableSignInLink(c.var.db, c.req.param("token") ?? "");
  if (!link) {
    c.status(404);
    return c.render(<FirstSignInPage errors={{ form: LINK_UNUSABLE }} />, TITLE);
  }
  return c.render(<FirstSignInPage action={c.req.path} email={link.email} errors={errors} />, TITLE);
}

// Opening the link changes nothing (mail scanners prefetch links); only the form uses it.
firstSignInRoutes.get(`${SIGN_IN_LINK_PATH}/:token`, (c) => renderLink(c));

firstSignInRoutes.post(`${SIGN_IN_LINK_PATH}/:token`, formPage(renderLink), validated("form", firstPasswordForm), async (c) => {
  const userId = await useSignInLink(c.var.db, c.env.PASSWORD_PEPPER, c.req.param("token"), c.req.valid("form"));
  await startSession(c, c.var.db, userId);
  c.var.log.info("auth.first_sign_in", { userId });
  return c.redirect("/", 303);
});
