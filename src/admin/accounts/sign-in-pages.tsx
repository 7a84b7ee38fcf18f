import { Hono } from "hono";
import { createDb } from "../../db/client";
import { findUserByEmail, findUserWithTenant, recordFailedSignIn, recordSuccessfulSignIn } from "../../db/queries/users";
import { hashPassword, needsRehash, NO_PASSWORD, timingSafeEqual, verifyPassword } from "../../lib/crypto";
import { log } from "../../lib/log";
import { loginForm } from "../../schemas/forms";
import { admitSignIn, clientKey, recordSignInFailure, recordSignInSuccess } from "./sign-in-limits";
import { LoginPage } from "./views/login-page";
import { endSession, requireSession, startSession, validated, type AdminEnv } from "../shared/session";

/**
 * The one answer for an unknown email, a wrong password, a disabled user and a paused
 * (rate-limited) sign-in: the same status and text, so none of them reveals an account.
 */
export const SIGN_IN_REFUSED = "Email or password is incorrect. After several failed attempts, sign-in pauses for a while: wait and try again.";

export const authRoutes = new Hono<AdminEnv>();

authRoutes.get("/login", (c) => c.html(<LoginPage />));

authRoutes.post(
  "/login",
  validated("form", loginForm, (c) => c.html(<LoginPage error="Enter your email address and password." />, 400)),
  async (c) => {
    const { email, password } = c.req.valid("form");
    const ip = clientKey(c.req.header("cf-connecting-ip"));
    const refuse = () => c.html(<LoginPage email={email} error={SIGN_IN_REFUSED} />, 401);

    if (!(await admitSignIn(c.env, email, ip))) {
      log.warn("auth.throttled", { ip });
      return refuse();
    }
    const db = createDb(c.env.DB);
    const user = await findUserByEmail(db, email);
    // An unknown email costs the same PBKDF2 work as a real one (NO_PASSWORD never matches).
    const ok = await verifyPassword(password, user?.passwordHash ?? NO_PASSWORD, c.env.PASSWORD_PEPPER);
    if (!user || !ok || user.disabled) {
      const [failed] = await Promise.all([recordFailedSignIn(db, email), recordSignInFailure(c.env, email, ip)]);
      log.warn("auth.failed", { userId: user?.id, failedSignIns: failed ?? undefined, ip });
      return refuse();
    }

    const withTenant = await findUserWithTenant(db, user.id);
    if (withTenant?.tenantStatus === "disabled") {
      log.warn("auth.tenant_disabled", { userId: user.id, tenant: user.tenantId ?? undefined });
      return c.html(<LoginPage email={email} error="Your organisation's access to psa-sync is disabled. Contact your operator." />, 403);
    }
    // Hashes from before the pepper are upgraded now that the password is known.
    const upgraded = needsRehash(user.passwordHash) ? await hashPassword(password, c.env.PASSWORD_PEPPER) : undefined;
    await Promise.all([recordSuccessfulSignIn(db, user.id, upgraded), recordSignInSuccess(c.env, email, ip)]);
    await startSession(c, db, user.id);
    log.info("auth.signed_in", { userId: user.id, tenant: user.tenantId ?? undefined, hashUpgraded: upgraded !== undefined });
    return c.redirect("/", 303);
  },
);

authRoutes.post("/logout", requireSession, async (c) => {
  const body = await c.req.parseBody();
  if (typeof body.csrf !== "string" || !timingSafeEqual(body.csrf, c.get("csrfToken"))) {
    return c.text("This form has expired. Go back, reload the page and try again.", 403);
  }
  await endSession(c, createDb(c.env.DB));
  return c.redirect("/login", 303);
});
