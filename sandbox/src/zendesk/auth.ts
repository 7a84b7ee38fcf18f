import type { MiddlewareHandler } from "hono";
import { zdError } from "./errors";
import { userForAccessToken } from "./oauth";
import type { Store, UserRow } from "./store";

export type ZdEnv = { Variables: { user: UserRow } };

/** Reads an unread request body before refusing, so workerd does not log a stream error. */
export async function refuse(req: Request, res: Response): Promise<Response> {
  if (req.body && !req.bodyUsed) await req.arrayBuffer().catch(() => undefined);
  return res;
}

/**
 * Authenticates `/api/v2` calls as Zendesk does: `Bearer {oauth token}` or
 * `Basic base64("{email}/token:{api_token}")`. Password Basic auth is treated as
 * disabled (Zendesk's default for new accounts).
 */
export function authenticate(deps: { sql: SqlStorage; store: Store; now(): Date }): MiddlewareHandler<ZdEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const bearer = header.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (bearer) {
      const user = userForAccessToken(deps.sql, deps.store, bearer, deps.now().getTime());
      if (!user) return refuse(c.req.raw, zdError.invalidToken());
      c.set("user", user);
      return next();
    }
    const basic = header.match(/^Basic\s+(\S+)$/i)?.[1];
    if (!basic) return refuse(c.req.raw, zdError.unauthorized());
    let decoded: string;
    try {
      decoded = atob(basic);
    } catch {
      return refuse(c.req.raw, zdError.unauthorized());
    }
    const i = decoded.indexOf(":");
    const login = i < 0 ? decoded : decoded.slice(0, i);
    const secret = i < 0 ? "" : decoded.slice(i + 1);
    const email = login.match(/^(.+)\/token$/)?.[1];
    const user = email ? deps.store.userByEmail(email) : null;
    if (!user || !secret || user.api_token !== secret) return refuse(c.req.raw, zdError.unauthorized());
    c.set("user", user);
    return next();
  };
}

/** Tickets, ticket fields: agents and admins only (end users get Zendesk's 403). */
export const agentsOnly: MiddlewareHandler<ZdEnv> = async (c, next) => {
  if (c.get("user").role === "end-user") return refuse(c.req.raw, zdError.forbidden());
  return next();
};

/** The email an API-token call signs in as (`{email}/token:…`), for the request log; null otherwise (the token is never kept). */
export function apiTokenLogin(header: string | undefined): string | null {
  const basic = header?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (!basic) return null;
  try {
    return atob(basic).match(/^([^:]+)\/token:/)?.[1] ?? null;
  } catch {
    return null;
  }
}
