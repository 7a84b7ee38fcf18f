import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { decryptSecret, encryptSecret, randomToken, timingSafeEqual } from "../../lib/crypto";
import { bindings } from "../../lib/secret-binding";

/**
 * The OAuth `state` of "Generate Token": a random value sent to the portal, kept in a
 * short-lived cookie sealed with AES-GCM (so it cannot be forged or read), bound to the
 * session and tenant that started the flow. The cookie also carries the PKCE verifier and
 * the form's ClusterID field until the portal sends the user back.
 */
const OAUTH_STATE_COOKIE = "__Host-psa-oauth";
const STATE_TTL_MS = 10 * 60 * 1000;

const sealedState = z.object({
  state: z.string(),
  sessionHash: z.string(),
  tenantId: z.string(),
  codeVerifier: z.string(),
  clusterFieldId: z.number().int().nullable(),
  expiresAt: z.number(),
});
export type OAuthFlow = Pick<z.infer<typeof sealedState>, "codeVerifier" | "clusterFieldId">;

export async function beginOAuthState(c: Context, opts: { key: string; sessionHash: string; tenantId: string } & OAuthFlow): Promise<string> {
  const state = randomToken(24);
  const sealed = await encryptSecret(
    opts.key,
    {
      state,
      sessionHash: opts.sessionHash,
      tenantId: opts.tenantId,
      codeVerifier: opts.codeVerifier,
      clusterFieldId: opts.clusterFieldId,
      expiresAt: Date.now() + STATE_TTL_MS,
    },
    bindings.oauthState(),
  );
  // Lax: the portal sends the user back with a top-level GET, which Lax cookies survive.
  setCookie(c, OAUTH_STATE_COOKIE, sealed, { path: "/", httpOnly: true, secure: true, sameSite: "Lax", maxAge: STATE_TTL_MS / 1000 });
  return state;
}

/** The flow the returned `state` belongs to, or null (missing, expired, forged, other session/tenant). Single use. */
export async function takeOAuthState(c: Context, opts: { key: string; sessionHash: string; tenantId: string; state: string }): Promise<OAuthFlow | null> {
  const sealed = getCookie(c, OAUTH_STATE_COOKIE);
  deleteCookie(c, OAUTH_STATE_COOKIE, { path: "/", secure: true });
  if (!sealed || !opts.state) return null;
  let plain: unknown;
  try {
    plain = await decryptSecret(opts.key, sealed, bindings.oauthState());
  } catch {
    return null;
  }
  const parsed = sealedState.safeParse(plain);
  if (!parsed.success) return null;
  const s = parsed.data;
  if (s.expiresAt < Date.now() || s.tenantId !== opts.tenantId || !timingSafeEqual(s.sessionHash, opts.sessionHash) || !timingSafeEqual(s.state, opts.state))
    return null;
  return { codeVerifier: s.codeVerifier, clusterFieldId: s.clusterFieldId };
}
