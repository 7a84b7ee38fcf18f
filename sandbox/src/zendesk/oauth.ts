import { Hono, type Context } from "hono";
import { z } from "zod";
import { DEMO_PORTAL } from "../demo-data";
import type { Store, UserRow } from "./store";
import { oauthErrorPage, signInPage, type AuthorizeParams } from "./views";

/** Default access-token lifetime, seconds; a token request may ask for another (`expires_in`). */
const ACCESS_TOKEN_TTL_SECONDS = 2 * 60 * 60;
const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
/** Zendesk's authorization codes are short-lived. */
const CODE_TTL_MS = 120_000;
/**
 * Zendesk clamps `expires_in` to 300..172800 s. The sandbox accepts anything from 1 s so
 * tests can watch a token expire without waiting five minutes.
 */
const MAX_EXPIRES_IN = 172_800;

const CLIENTS: Record<string, string> = { [DEMO_PORTAL.oauthClientId]: DEMO_PORTAL.oauthClientSecret };

export function migrateOAuth(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_oauth_codes (code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL,
    redirect_uri TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_oauth_tokens (access_token TEXT PRIMARY KEY, refresh_token TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL,
    client_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER NOT NULL, refresh_expires_at INTEGER NOT NULL)`);
  // PKCE (RFC 7636), added later: older local state gets the column too.
  const columns = sql
    .exec<{ name: string }>(`PRAGMA table_info(zd_oauth_codes)`)
    .toArray()
    .map((r) => r.name);
  if (!columns.includes("code_challenge")) sql.exec(`ALTER TABLE zd_oauth_codes ADD COLUMN code_challenge TEXT`);
}
export const OAUTH_TABLES = ["zd_oauth_codes", "zd_oauth_tokens"] as const;

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

type TokenRow = {
  access_token: string;
  refresh_token: string;
  user_id: number;
  client_id: string;
  scope: string;
  expires_at: number;
  refresh_expires_at: number;
};

/** Resolves a bearer token to its user; null when unknown, revoked or expired. */
export function userForAccessToken(sql: SqlStorage, store: Store, token: string, nowMs: number): UserRow | null {
  const row = sql.exec<TokenRow>(`SELECT * FROM zd_oauth_tokens WHERE access_token = ?`, token).toArray()[0];
  if (!row || row.expires_at <= nowMs) return null;
  return store.userById(row.user_id);
}

const authorizeParams = z.object({
  response_type: z.string().default(""),
  client_id: z.string().default(""),
  redirect_uri: z.string().default(""),
  scope: z.string().default("read"),
  state: z.string().default(""),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
});

const tokenBody = z.object({
  grant_type: z.string().optional(),
  code: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  expires_in: z.coerce.number().int().min(1).max(MAX_EXPIRES_IN).optional(),
  refresh_token_expires_in: z.coerce.number().int().min(1).optional(),
  code_verifier: z.string().optional(),
});

/** RFC 7636 S256: BASE64URL(SHA-256(verifier)). */
async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

const oauthError = (error: string, description: string, status: 400 | 401 = 400) =>
  Response.json({ error, error_description: description }, { status, headers: { "Cache-Control": "no-store" } });
const INVALID_GRANT =
  "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";
const INVALID_CLIENT = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

async function readBody(c: Context): Promise<Record<string, unknown>> {
  if ((c.req.header("content-type") ?? "").includes("application/json")) {
    const body: unknown = await c.req.json().catch(() => ({}));
    return body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  }
  const form = await c.req.parseBody().catch(() => ({}));
  return Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === "string"));
}

/** `/oauth/authorizations/new` (sign-in + code) and `/oauth/tokens` (code and refresh grants). */
export function createOAuthRoutes(deps: { sql: SqlStorage; store: Store; now(): Date }) {
  const { sql, store } = deps;
  const app = new Hono();

  /** Returns an error page for problems that must not be redirected back (unknown client, bad redirect). */
  function checkClient(p: AuthorizeParams): string | null {
    if (!(p.client_id in CLIENTS)) return "The client identifier provided is invalid, the client failed to authenticate, or the client is unknown.";
    if (!isHttpUrl(p.redirect_uri)) return "The redirect uri included is not valid.";
    return null;
  }
  function redirectWith(p: AuthorizeParams, params: Record<string, string>): Response {
    const target = new URL(p.redirect_uri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    if (p.state) target.searchParams.set("state", p.state);
    return new Response(null, { status: 302, headers: { Location: target.toString() } });
  }

  app.get("/authorizations/new", (c) => {
    const p = authorizeParams.parse(c.req.query());
    const problem = checkClient(p);
    if (problem) return c.html(oauthErrorPage(problem), 400);
    if (p.response_type !== "code")
      return redirectWith(p, { error: "unsupported_response_type", error_description: "The authorization server does not support this response type." });
    return c.html(signInPage(p));
  });

  app.post("/authorizations/new", async (c) => {
    const body = await readBody(c);
    const p = authorizeParams.parse({ ...c.req.query(), ...body });
    const problem = checkClient(p);
    if (problem) return c.html(oauthErrorPage(problem), 400);
    if (p.response_type !== "code")
      return redirectWith(p, { error: "unsupported_response_type", error_description: "The authorization server does not support this response type." });
    if (p.code_challenge !== undefined && (p.code_challenge_method !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge))) {
      return redirectWith(p, { error: "invalid_request", error_description: "code_challenge must be an S256 challenge (code_challenge_method=S256)." });
    }
    const email = typeof body.email === "string" ? body.email : "";
    const password = typeof body.password === "string" ? body.password : "";
    const user = store.userByEmail(email);
    if (!user || user.password !== password) return c.html(signInPage(p, { error: "Invalid email or password.", email }), 401);
    const code = randomToken();
    sql.exec(
      `INSERT INTO zd_oauth_codes (code, client_id, user_id, redirect_uri, scope, expires_at, code_challenge) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      code,
      p.client_id,
      user.id,
      p.redirect_uri,
      p.scope,
      deps.now().getTime() + CODE_TTL_MS,
      p.code_challenge ?? null,
    );
    return redirectWith(p, { code });
  });

  app.post("/tokens", async (c) => {
    const parsed = tokenBody.safeParse(await readBody(c));
    if (!parsed.success)
      return oauthError("invalid_request", "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.");
    const b = parsed.data;
    // Clients may authenticate in the body or with HTTP Basic (client_secret_basic).
    let clientId = b.client_id;
    let clientSecret = b.client_secret;
    const basic = c.req.header("authorization")?.match(/^Basic\s+(.+)$/i)?.[1];
    if (basic && !clientSecret) {
      const decoded = atob(basic);
      const i = decoded.indexOf(":");
      clientId = decodeURIComponent(decoded.slice(0, i));
      clientSecret = decodeURIComponent(decoded.slice(i + 1));
    }
    if (!clientId || CLIENTS[clientId] === undefined || CLIENTS[clientId] !== clientSecret) return oauthError("invalid_client", INVALID_CLIENT, 401);
    const nowMs = deps.now().getTime();

    const issue = (userId: number, scope: string) => {
      const expiresIn = b.expires_in ?? ACCESS_TOKEN_TTL_SECONDS;
      const refreshIn = b.refresh_token_expires_in ?? REFRESH_TOKEN_TTL_SECONDS;
      const token: TokenRow = {
        access_token: randomToken(),
        refresh_token: randomToken(),
        user_id: userId,
        client_id: clientId,
        scope,
        expires_at: nowMs + expiresIn * 1000,
        refresh_expires_at: nowMs + refreshIn * 1000,
      };
      sql.exec(
        `INSERT INTO zd_oauth_tokens (access_token, refresh_token, user_id, client_id, scope, expires_at, refresh_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        token.access_token,
        token.refresh_token,
        token.user_id,
        token.client_id,
        token.scope,
        token.expires_at,
        token.refresh_expires_at,
      );
      return Response.json(
        {
          access_token: token.access_token,
          token_type: "bearer",
          scope,
          expires_in: expiresIn,
          refresh_token: token.refresh_token,
          refresh_token_expires_in: refreshIn,
        },
        { headers: { "Cache-Control": "no-store" } },
      );
    };

    if (b.grant_type === "authorization_code") {
      if (!b.code || !b.redirect_uri) return oauthError("invalid_request", "The request is missing a required parameter: code or redirect_uri.");
      type CodeRow = {
        code: string;
        client_id: string;
        user_id: number;
        redirect_uri: string;
        scope: string;
        expires_at: number;
        used: number;
        code_challenge: string | null;
      };
      const row = sql.exec<CodeRow>(`SELECT * FROM zd_oauth_codes WHERE code = ?`, b.code).toArray()[0];
      if (!row || row.used || row.expires_at <= nowMs || row.client_id !== clientId || row.redirect_uri !== b.redirect_uri)
        return oauthError("invalid_grant", INVALID_GRANT);
      // A code issued for a PKCE challenge is redeemed only with its verifier (a stolen code is useless).
      if (row.code_challenge !== null && (!b.code_verifier || (await s256(b.code_verifier)) !== row.code_challenge))
        return oauthError("invalid_grant", INVALID_GRANT);
      sql.exec(`UPDATE zd_oauth_codes SET used = 1 WHERE code = ?`, b.code);
      return issue(row.user_id, row.scope);
    }
    if (b.grant_type === "refresh_token") {
      if (!b.refresh_token) return oauthError("invalid_request", "The request is missing a required parameter: refresh_token.");
      const row = sql.exec<TokenRow>(`SELECT * FROM zd_oauth_tokens WHERE refresh_token = ?`, b.refresh_token).toArray()[0];
      if (!row || row.client_id !== clientId || row.refresh_expires_at <= nowMs) return oauthError("invalid_grant", INVALID_GRANT);
      // Refreshing rotates the pair: the old access and refresh tokens stop working.
      sql.exec(`DELETE FROM zd_oauth_tokens WHERE refresh_token = ?`, b.refresh_token);
      return issue(row.user_id, row.scope);
    }
    return oauthError("unsupported_grant_type", "The authorization grant type is not supported by the authorization server.");
  });

  return app;
}
