import { hmacSha256Base64, timingSafeEqual, utf8 } from "../lib/crypto";

/**
 * ConnectWise: `x-content-signature` = Base64(HMAC-SHA256(key = SHA-256(signing key),
 * message = the raw body)). The raw text, never a re-serialised object.
 */
export async function connectwiseSignatureValid(rawBody: string, signature: string, signingKey: string): Promise<boolean> {
  const keyHash = await crypto.subtle.digest("SHA-256", utf8(signingKey));
  return timingSafeEqual(await hmacSha256Base64(keyHash, rawBody), signature);
}

/** Zendesk: `X-Zendesk-Webhook-Signature` = Base64(HMAC-SHA256(secret, timestamp + raw body)). */
export async function portalSignatureValid(rawBody: string, signature: string, timestamp: string, secret: string): Promise<boolean> {
  return timingSafeEqual(await hmacSha256Base64(utf8(secret), timestamp + rawBody), signature);
}

/** Deliveries older or further in the future than this are refused as replays. */
const REPLAY_WINDOW_MS = 5 * 60 * 1000;

export function timestampFresh(timestamp: string, now: number): boolean {
  const at = Date.parse(timestamp);
  return !Number.isNaN(at) && Math.abs(now - at) <= REPLAY_WINDOW_MS;
}
