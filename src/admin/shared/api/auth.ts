import type { MiddlewareHandler } from "hono";
import { and, eq, gt, isNull, or } from "drizzle-orm";
import { createDb } from "../../../db/client";
import { apiTokens, tenants, users } from "../../../db/schema";
import { sha256Hex } from "../../../lib/crypto";
import { problem } from "./problem";

export type ApiEnv = {
  Bindings: Env;
  Variables: { tenantId: string; tokenId: string; scope: "read" | "admin" };
};

/** RFC 6750 challenges: a missing token gets the bare realm, a refused one says why. */
const REALM = 'Bearer realm="psa-sync"';
const challenge = (error?: "invalid_token" | "insufficient_scope") => (error ? `${REALM}, error="${error}"` : REALM);

/** Refresh `last_used_at` at most this often (keeps reads read-only in D1). */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

/**
 * Bearer tokens: per tenant, stored as SHA-256 hashes, scope read or admin, revocable,
 * optionally expiring. The token alone decides the tenant: no URL can name another one.
 * A token dies with its creator: one created by a user since disabled or removed is refused.
 */
export const bearerAuth: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
  if (!match) {
    c.header("www-authenticate", challenge());
    return problem(c, 401, "Missing or malformed bearer token", { detail: "Send Authorization: Bearer <token> (create one under API tokens)." });
  }
  const db = createDb(c.env.DB);
  const rows = await db
    .select({
      id: apiTokens.id,
      tenantId: apiTokens.tenantId,
      scope: apiTokens.scope,
      lastUsedAt: apiTokens.lastUsedAt,
      status: tenants.status,
      createdBy: apiTokens.createdBy,
      creatorId: users.id,
      creatorDisabled: users.disabled,
    })
    .from(apiTokens)
    .innerJoin(tenants, eq(tenants.id, apiTokens.tenantId))
    .leftJoin(users, eq(users.id, apiTokens.createdBy))
    .where(
      and(
        eq(apiTokens.tokenHash, await sha256Hex(match[1]!)),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, new Date().toISOString())),
      ),
    )
    .limit(1);
  const token = rows[0];
  const creatorGone = token?.createdBy != null && (token.creatorId === null || token.creatorDisabled === true);
  if (token?.status !== "active" || creatorGone) {
    c.header("www-authenticate", challenge("invalid_token"));
    return problem(c, 401, "Invalid or revoked token");
  }
  if (!token.lastUsedAt || Date.now() - Date.parse(token.lastUsedAt) > TOUCH_EVERY_MS) {
    await db.update(apiTokens).set({ lastUsedAt: new Date().toISOString() }).where(eq(apiTokens.id, token.id));
  }
  c.set("tenantId", token.tenantId);
  c.set("tokenId", token.id);
  c.set("scope", token.scope);
  await next();
};

/** Writes and tasks need an admin-scoped token. */
export const requireAdminScope: MiddlewareHandler<ApiEnv> = async (c, next) => {
  if (c.get("scope") !== "admin") {
    c.header("www-authenticate", challenge("insufficient_scope"));
    return problem(c, 403, "This token is read-only", { detail: 'Use a token with scope "admin" for changes and tasks.' });
  }
  await next();
};
