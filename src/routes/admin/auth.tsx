import { Hono } from "hono";
import { createDb } from "../../db/client";
import { findUserByEmail, findUserWithTenant, recordFailedSignIn, recordSuccessfulSignIn } from "../../db/queries/users";
import { hashPassword, timingSafeEqual, verifyPassword } from "../../lib/crypto";
import { log } from "../../lib/log";
import { loginForm } from "../../schemas/forms";
import { LoginPage } from "../../views/login-page";
import { endSession, requireSession, startSession, type AdminEnv } from "./session";

const MAX_FAILED_SIGN_INS = 5;
const LOCKOUT_MS = 15 * 60 * 1000;
/** Verified against when the email is unknown, so timing does not reveal accounts. */
let decoyHash: Promise<string> | undefined;

export const authRoutes = new Hono<AdminEnv>();

authRoutes.get("/login", (c) => c.html(<LoginPage />));

authRoutes.post("/login", async (c) => {
  const form = loginForm.safeParse(await c.req.parseBody());
  if (!form.success) {
    return c.html(<LoginPage error="Enter your email address and password." />, 400);
  }
  const { email, password } = form.data;
  const db = createDb(c.env.DB);
  const user = await findUserByEmail(db, email);
  const now = Date.now();

  if (user?.lockedUntil && Date.parse(user.lockedUntil) > now) {
    const minutes = Math.ceil((Date.parse(user.lockedUntil) - now) / 60_000);
    log.warn("auth.locked", { userId: user.id });
    return c.html(<LoginPage email={email} error={`Too many failed sign-ins. Try again in ${minutes} minute(s).`} />, 429);
  }

  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyPassword(password, await (decoyHash ??= hashPassword("decoy")));
  if (!user || !ok || user.disabled) {
    if (user && !ok) {
      const failed = user.failedSignIns + 1;
      const lockedUntil = failed >= MAX_FAILED_SIGN_INS ? new Date(now + LOCKOUT_MS).toISOString() : null;
      await recordFailedSignIn(db, user.id, lockedUntil ? 0 : failed, lockedUntil);
    }
    log.warn("auth.failed", { userId: user?.id });
    return c.html(<LoginPage email={email} error="Email or password is incorrect." />, 401);
  }

  const withTenant = await findUserWithTenant(db, user.id);
  if (withTenant?.tenantStatus === "disabled") {
    log.warn("auth.tenant_disabled", { userId: user.id, tenant: user.tenantId ?? undefined });
    return c.html(<LoginPage email={email} error="Your organisation's access to psa-sync is disabled. Contact your operator." />, 403);
  }
  await recordSuccessfulSignIn(db, user.id);
  await startSession(c, db, user.id);
  log.info("auth.signed_in", { userId: user.id, tenant: user.tenantId ?? undefined });
  return c.redirect("/", 303);
});

authRoutes.post("/logout", requireSession, async (c) => {
  const body = await c.req.parseBody();
  if (typeof body.csrf !== "string" || !timingSafeEqual(body.csrf, c.get("csrfToken"))) {
    return c.text("This form has expired. Go back, reload the page and try again.", 403);
  }
  await endSession(c, createDb(c.env.DB));
  return c.redirect("/login", 303);
});
