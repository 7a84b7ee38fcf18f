import type { HttpClient } from "../http";
import type { OAuthTokens } from "../types";
import { requestTokens } from "./oauth";

export type PortalAuth =
  | { kind: "oauth"; accessToken: string; refreshToken: string; expiresAt: string; clientId: string; clientSecret: string }
  | { kind: "api_token"; email: string; apiToken: string };

/** Refresh this long before the access token expires, so a call never races the expiry. */
const REFRESH_SKEW_MS = 60_000;

export interface PortalAuthSession {
  /** The Authorization header for the next call, refreshing first when the token is about to expire. */
  header(): Promise<string>;
  /** Forces a refresh after a 401; false when this auth cannot refresh (API token). */
  refreshAfter401(): Promise<boolean>;
}

export function createAuthSession(opts: {
  auth: PortalAuth;
  http: HttpClient;
  baseUrl: string;
  onTokens?: (tokens: OAuthTokens) => void | Promise<void>;
  now: () => number;
}): PortalAuthSession {
  const { auth } = opts;
  if (auth.kind === "api_token") {
    const basic = `Basic ${btoa(`${auth.email}/token:${auth.apiToken}`)}`;
    return { header: async () => basic, refreshAfter401: async () => false };
  }

  let tokens: OAuthTokens = { accessToken: auth.accessToken, refreshToken: auth.refreshToken, expiresAt: auth.expiresAt };
  // One refresh at a time: the pair rotates, so a second refresh with the old token would fail.
  let inFlight: Promise<void> | null = null;

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        const body = { grant_type: "refresh_token", refresh_token: tokens.refreshToken, client_id: auth.clientId, client_secret: auth.clientSecret };
        const next = await requestTokens(opts.http, opts.baseUrl, body, tokens.refreshToken, opts.now);
        tokens = next;
        await opts.onTokens?.(next);
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };

  const expiresSoon = () => {
    const at = Date.parse(tokens.expiresAt);
    return Number.isNaN(at) || at - opts.now() <= REFRESH_SKEW_MS;
  };

  return {
    async header() {
      if (inFlight) await inFlight;
      else if (expiresSoon()) await refresh();
      return `Bearer ${tokens.accessToken}`;
    },
    async refreshAfter401() {
      await refresh();
      return true;
    },
  };
}
