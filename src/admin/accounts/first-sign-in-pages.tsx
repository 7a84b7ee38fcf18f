import { Hono } from "hono";
import { createDb } from "../../db/client";
import { log } from "../../lib/log";
import { formErrors } from "../../lib/validation";
import { firstPasswordForm } from "../../schemas/accounts";
import { LINK_UNUSABLE, SIGN_IN_LINK_PATH, usableSignInLink, useSignInLink } from "./sign-in-links";
import { FirstSignInPage } from "./views/first-sign-in-page";
import { startSession, validated, type AdminEnv } from "../shared/session";

/** `/first-sign-in/<token>`: a one-time link sets the user's password and signs them in. */
export const firstSignInRoutes = new Hono<AdminEnv>();

// Opening the link changes nothing (mail scanners prefetch links); only the form uses it.
firstSignInRoutes.get(`${SIGN_IN_LINK_PATH}/:token`, async (c) => {
  const link = await usableSignInLink(createDb(c.env.DB), c.req.param("token"));
  if (!link) return c.html(<FirstSignInPage errors={{ form: LINK_UNUSABLE }} />, 404);
  return c.html(<FirstSignInPage action={c.req.path} email={link.email} />);
});

/** An invalid form on a dead link says the link is dead; on a live one, what to fix. */
const passwordForm = validated("form", firstPasswordForm, async (c, _e, _raw, error) => {
  const link = await usableSignInLink(createDb(c.env.DB), c.req.param("token") ?? "");
  if (!link) return c.html(<FirstSignInPage errors={{ form: LINK_UNUSABLE }} />, 404);
  return c.html(<FirstSignInPage action={c.req.path} email={link.email} errors={formErrors(error)} />, 400);
});

firstSignInRoutes.post(`${SIGN_IN_LINK_PATH}/:token`, passwordForm, async (c) => {
  const token = c.req.param("token");
  const db = createDb(c.env.DB);
  const result = await useSignInLink(db, c.env.PASSWORD_PEPPER, token, c.req.valid("form"));
  if (!result.ok) {
    if (result.status === 404) return c.html(<FirstSignInPage errors={result.errors} />, 404);
    const link = await usableSignInLink(db, token);
    return c.html(<FirstSignInPage action={link ? c.req.path : undefined} email={link?.email} errors={result.errors} />, 400);
  }
  await startSession(c, db, result.value.userId);
  log.info("auth.first_sign_in", { userId: result.value.userId });
  return c.redirect("/", 303);
});
