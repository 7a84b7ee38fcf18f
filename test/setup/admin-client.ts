import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { sessions, users } from "../../src/db/schema";
import { hashPassword, sha256Hex } from "../../src/lib/crypto";
import { db, uniqueId } from "../factories/tenants";

export const ORIGIN = "http://localhost";

export type Role = "operator" | "tenant_admin" | "tenant_viewer";

/** A user with a known password (unique email per call). */
export async function createUser(role: Role, tenantId: string | null, opts: { mustChangePassword?: boolean; password?: string } = {}) {
  const email = `${uniqueId(role)}@example.test`.toLowerCase();
  const password = opts.password ?? "correct horse battery staple";
  const id = uniqueId("usr");
  await db()
    .insert(users)
    .values({
      id,
      email,
      name: email,
      role,
      tenantId,
      passwordHash: await hashPassword(password, env.PASSWORD_PEPPER),
      mustChangePassword: opts.mustChangePassword ?? false,
    });
  return { id, email, password };
}

export interface AdminClient {
  cookie: string;
  /** The session's CSRF token, as every form carries it. */
  csrf: string;
  /** GET/POST as this signed-in user; `form` bodies get the CSRF field added unless `csrf: false`. */
  fetch(path: string, init?: { method?: string; form?: Record<string, string>; csrf?: boolean; headers?: Record<string, string> }): Promise<Response>;
}

/** Signs in through POST /login and returns a client carrying the session cookie. */
export async function signIn(email: string, password: string): Promise<AdminClient> {
  const res = await SELF.fetch(`${ORIGIN}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password }),
    headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: HTTP ${res.status}`);
  // The session's CSRF token, as its pages render it into every form.
  const session = await db().query.sessions.findFirst({ where: eq(sessions.tokenHash, await sha256Hex(cookie.slice(cookie.indexOf("=") + 1))) });
  const csrf = session?.csrfToken ?? "";
  const client: AdminClient = {
    cookie,
    csrf,
    fetch(path, init = {}) {
      const headers: Record<string, string> = { cookie, origin: ORIGIN, ...init.headers };
      let body: URLSearchParams | undefined;
      if (init.form) {
        body = new URLSearchParams(init.csrf === false ? init.form : { csrf, ...init.form });
        headers["content-type"] = "application/x-www-form-urlencoded";
      }
      return SELF.fetch(`${ORIGIN}${path}`, { method: init.method ?? (init.form ? "POST" : "GET"), body, headers, redirect: "manual" });
    },
  };
  return client;
}
