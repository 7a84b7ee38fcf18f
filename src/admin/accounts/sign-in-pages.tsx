import { Hono, type Context } from "hono";
import { findUserByEmail, findUserWithTenant, recordFailedSignIn, recordSuccessfulSignIn } from "../../db/queries/users";
import { hashPassword, needsRehash, NO_PASSWORD, verifyPassword } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { loginForm } from "../../schemas/forms";
import { admitSignIn, clientKey, recordSignInFailure, recordSignInSuccess } from "./sign-in-limits";
import { LoginPage } from "./views/login-page";
import { verifyCsrf } from "../shared/access";
import { validated, type AdminEnv, type RefusedForm } from "../shared/context";
import { formPage } from "../shared/forms";
import { endSession, requireSession, startSession } from "../shared/session";

/**
 * The one answer for an unknown email, a wrong password, a disabled user and a paused
 * (rate-limited) sign-in: the same status and text, so none of them reveals an account.
 */
export const SIGN_IN_REFUSED = "Email or password is incorrect. After several failed attempts, sign-in pauses for a while: wait and try again.";

export const authRoutes = new Hono<AdminEnv>();

/** The sign-in form shows one message: a refusal's, or the schema's for a missing or malformed field. */
const renderLogin = (c: Context<AdminEnv>, { errors = {}, values = {} }: Partial<RefusedForm> = {}) =>
  c.render(<LoginPage email={values.email} error={errors.form ?? errors.email ?? errors.password} />, { title: "Sign in" });

authRoutes.get("/login", (c) => renderLogin(c));

authRoutes.post("/login", formPage(renderLogin), validated("form", loginForm), async (c) => {
  const { email, password } = c.req.valid("form");
  const ip = clientKey(c.req.header("cf-connecting-ip"));
  const db = c.var.db;

  if (!(await admitSignIn(c.env, email, ip))) {
    c.var.log.warn("auth.throttled", { ip });
    throw new AppError("unauthorized", SIGN_IN_REFUSED);
  }
  const user = await findUserByEmail(db, email);
  // An unknown email costs the same PBKDF2 work as a real one (NO_PASSWORD never matches).
  const ok = await verifyPassword(password, user?.passwordHash ?? NO_PASSWORD, c.env.PASSWORD_PEPPER);
  if (!user || !ok || user.disabled) {
    const [failed] = await Promise.all([recordFailedSignIn(db, email), recordSignInFailure(c.env, email, ip)]);
    c.var.log.warn("auth.failed", { userId: user?.id, failedSignIns: failed ?? undefined, ip });
    throw new AppError("unauthorized", SIGN_IN_REFUSED);
  }

  const withTenant = await findUserWithTenant(db, user.id);
  if (withTenant?.tenantStatus === "disabled") {
    c.var.log.warn("auth.tenant_disabled", { userId: user.id, tenant: user.tenantId ?? undefined });
    throw new AppError("forbidden", "Your organisation's access to psa-sync is disabled. Contact your operator.");
  }
  // Hashes from before the pepper are upgraded now that the password is known.
  const upgraded = needsRehash(user.passwordHash) ? await hashPassword(password, c.env.PASSWORD_PEPPER) : undefined;
  await Promise.all([recordSuccessfulSignIn(db, user.id, upgraded), recordSignInSuccess(c.env, email, ip)]);
  await startSession(c, db, user.id);
  c.var.log.info("auth.signed_in", { userId: user.id, tenant: user.tenantId ?? undefined, hashUpgraded: upgraded !== undefined });
  return c.redirect("/", 303);
});

authRoutes.post("/logout", requireSession, verifyCsrf, async (c) => {
  await endSession(c, c.var.db);
  return c.redirect("/login", 303);
});
