import { toBase64Url } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { createHttpClient, type HttpClient, UpstreamError } from "../http";
import type { OAuthTokens } from "../types";
import type { FetchLike } from "../../egress/fetch";
import { describeZendeskError } from "./normalise";
import { tokenResponseSchema } from "./schemas";

/**
 * Zendesk OAuth (authorization-code grant for onboarding, refresh-token grant afterwards).
 * Refreshing rotates the pair: Zendesk deletes the old access and refresh tokens, so the
 * caller must persist what `refreshTokens` returns before anything else uses the old ones.
 */

/** Tokens that do not expire (legacy clients) get this far-off expiry. */
const NO_EXPIRY = "9999-12-31T23:59:59.000Z";

export const trimBase = (baseUrl: string) => baseUrl.replace(/\/+$/, "");

/**
 * PKCE (RFC 7636, S256): the verifier stays with psa-sync, the portal sees only its hash, so
 * an authorization code that leaks on its way back cannot be redeemed by anyone else.
 */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = toBase64Url(crypto.getRandomValues(new Uint8Array(48)));
  const challenge = toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

export function buildAuthorizeUrl(opts: {
  baseUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  scope: string;
  codeChallenge: string;
}): string {
  const url = new URL(`${trimBase(opts.baseUrl)}/oauth/authorizations/new`);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", opts.clientId);
  url.searchParams.set("redirect_uri", opts.redirectUri);
  url.searchParams.set("scope", opts.scope);
  url.searchParams.set("state", opts.state);
  url.searchParams.set("code_challenge", opts.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

function oauthHttp(fetch: FetchLike): HttpClient {
  return createHttpClient({ fetch, api: "zendesk", describeError: describeZendeskError });
}

/**
 * `POST /oauth/tokens`. A refused grant or client (400/401 from the token endpoint) is
 * `unauthorized`: the provider has to connect again. Transient failures keep their code.
 */
export async function requestTokens(
  http: HttpClient,
  baseUrl: string,
  body: Record<string, string>,
  previousRefreshToken: string | null,
  now: () => number = Date.now,
): Promise<OAuthTokens> {
  try {
    const { data } = await http.send({ method: "POST", url: `${trimBase(baseUrl)}/oauth/tokens`, json: body, schema: tokenResponseSchema });
    const refreshToken = data.refresh_token ?? previousRefreshToken;
    if (!refreshToken) throw new AppError("invalid_payload", "zendesk POST /oauth/tokens: no refresh_token in the response");
    const expiresAt = data.expires_in == null ? NO_EXPIRY : new Date(now() + data.expires_in * 1000).toISOString();
    return { accessToken: data.access_token, refreshToken, expiresAt };
  } catch (err) {
    if (err instanceof UpstreamError && err.httpStatus !== null && (err.httpStatus === 400 || err.httpStatus === 401)) {
      throw new UpstreamError("unauthorized", err.message, err.httpStatus, err.upstreamCodes);
    }
    throw err;
  }
}

export function exchangeCode(opts: {
  fetch: FetchLike;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  codeVerifier: string;
  redirectUri: string;
}): Promise<OAuthTokens> {
  const body = {
    grant_type: "authorization_code",
    code: opts.code,
    code_verifier: opts.codeVerifier,
    client_id: opts.clientId,
    client_secret: opts.clientSecret,
    redirect_uri: opts.redirectUri,
  };
  return requestTokens(oauthHttp(opts.fetch), opts.baseUrl, body, null);
}
