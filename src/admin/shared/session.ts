import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createDb, nowIso, type Db } from "../../db/client";
import { deleteSession, findSession, insertSession, touchSession } from "../../db/queries/sessions";
import { findUserWithTenant } from "../../db/queries/users";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { validatorFor } from "../../lib/validation";

const SESSION_COOKIE = "__Host-psa-session";
const CHANGE_PASSWORD_PATH = "/account/password";
const ABSOLUTE_TTL_MS = 12 * 60 * 60 * 1000;
const IDLE_TTL_MS = 60 * 60 * 1000;
/** Write lastSeenAt at most this often, to keep page views read-only in D1. */
const TOUCH_EVERY_MS = 60 * 1000;

interface SessionUser {
  id: string;
  email: string;
  role: "operator" | "tenant_admin" | "tenant_viewer";
  tenantId: string | null;
  tenantName: string | null;
  /** Operator-issued temporary password: every page but the change form is closed until changed. */
  mustChangePassword: boolean;
}

export type AdminEnv = {
  Bindings: Env;
  Variables: {
    user: SessionUser;
    csrfToken: string;
    sessionHash: string;
    /** The tenant a `/t/:tenantId` page is about (set by `tenantAccess`). */
    tenantId: string;
    /** Whether this user may change that tenant (tenant admin of it). */
    canWrite: boolean;
    /** For `<Layout tenant={...}>`: the tenant navigation header. */
    tenantHeader: { id: string; name: string; readOnly: boolean };
  };
};

/** Validates a page's form, query or path params; `refuse` answers an invalid one (re-rendered form, 400 or 404). */
export const validated = validatorFor<AdminEnv>();

/** Starts a fresh session (a new token on every sign-in: no fixation) and sets the cookie. */
export async function startSession(c: Context, db: Db, userId: string): Promise<void> {
  const token = randomToken();
  const now = Date.now();
  await insertSession(db, {
    tokenHash: await sha256Hex(token),
    userId,
    csrfToken: randomToken(16),
    lastSeenAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ABSOLUTE_TTL_MS).toISOString(),
  });
  setCookie(c, SESSION_COOKIE, token, { path: "/", httpOnly: true, secure: true, sameSite: "Lax", maxAge: ABSOLUTE_TTL_MS / 1000 });
}

export async function endSession(c: Context, db: Db): Promise<void> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await deleteSession(db, await sha256Hex(token));
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}

/** Requires a live session; otherwise redirects to /login. */
export const requireSession: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return c.redirect("/login", 303);
  const db = createDb(c.env.DB);
  const tokenHash = await sha256Hex(token);
  const session = await findSession(db, tokenHash);
  const now = Date.now();
  if (!session || Date.parse(session.expiresAt) <= now || Date.parse(session.lastSeenAt) + IDLE_TTL_MS <= now) {
    if (session) await deleteSession(db, tokenHash);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.redirect("/login", 303);
  }
  const found = await findUserWithTenant(db, session.userId);
  // A disabled user, or a user of a tenant an operator disabled, is signed out.
  if (!found || found.user.disabled || found.tenantStatus === "disabled") {
    await deleteSession(db, tokenHash);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.redirect("/login", 303);
  }
  if (now - Date.parse(session.lastSeenAt) > TOUCH_EVERY_MS) await touchSession(db, tokenHash, nowIso());
  c.set("user", {
    id: found.user.id,
    email: found.user.email,
    role: found.user.role,
    tenantId: found.user.tenantId,
    tenantName: found.tenantName,
    mustChangePassword: found.user.mustChangePassword,
  });
  c.set("csrfToken", session.csrfToken);
  c.set("sessionHash", tokenHash);
  if (found.user.mustChangePassword && c.req.path !== CHANGE_PASSWORD_PATH && c.req.path !== "/logout") {
    return c.redirect(CHANGE_PASSWORD_PATH, 303);
  }
  await next();
};
