import type { MiddlewareHandler } from "hono";
import { DEMO_CONNECTWISE } from "../demo-data";
import { cwJson } from "./errors";

/** Decodes `Basic base64(companyId+publicKey:privateKey)`; null when malformed. */
export function parseBasic(header: string | undefined): { companyId: string; publicKey: string; privateKey: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match) return null;
  let decoded: string;
  try {
    decoded = atob(match[1]!);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  const plus = decoded.indexOf("+");
  if (colon < 0 || plus < 0 || plus > colon) return null;
  return { companyId: decoded.slice(0, plus), publicKey: decoded.slice(plus + 1, colon), privateKey: decoded.slice(colon + 1) };
}

/**
 * API-key auth plus the mandatory clientId header. Credentials are checked first: a bad key
 * is a 401 whatever the clientId; a missing or unregistered clientId is refused with 403.
 */
export function cwAuth(isApiMember: (publicKey: string, privateKey: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const creds = parseBasic(header);
    if (!creds) {
      return cwJson(c, { code: "Unauthorized", message: "Authorization has been denied for this request.", errors: null }, 401);
    }
    const ok =
      creds.companyId.toLowerCase() === DEMO_CONNECTWISE.companyId &&
      ((creds.publicKey === DEMO_CONNECTWISE.publicKey && creds.privateKey === DEMO_CONNECTWISE.privateKey) || isApiMember(creds.publicKey, creds.privateKey));
    if (!ok) return cwJson(c, { code: "ConnectWiseApi", message: "UserNotAuthenticated", errors: null }, 401);
    const clientId = c.req.header("clientid");
    if (!clientId) {
      return cwJson(c, { code: "Unauthorized", message: "A clientId header is required. See https://developer.connectwise.com/ClientID", errors: null }, 403);
    }
    if (clientId !== DEMO_CONNECTWISE.clientId) {
      return cwJson(c, { code: "Unauthorized", message: "The clientId is not valid.", errors: null }, 403);
    }
    await next();
  };
}
