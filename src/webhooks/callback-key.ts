import { z } from "zod";

/**
 * The signing key a ConnectWise callback names in `Metadata.key_url`. That URL is chosen by
 * whoever sent the request, so it is fetched only from the tenant's own ConnectWise host
 * (https, or http on localhost for the sandbox), without redirects, with a short timeout,
 * and cached so a burst of callbacks costs one fetch.
 */
const KEY_TTL_MS = 60 * 60 * 1000;
const cache = new Map<string, { key: string; at: number }>();
const keyBody = z.object({ signing_key: z.string().min(1).max(500) });

/** Hosts a key may come from for a tenant whose ConnectWise site is `site`. */
export function keyUrlAllowed(keyUrl: string, site: string): boolean {
  let key: URL;
  let own: URL;
  try {
    key = new URL(keyUrl);
    own = new URL(site);
  } catch {
    return false;
  }
  const local = ["localhost", "127.0.0.1"].includes(own.hostname);
  if (key.protocol !== "https:" && !(local && key.protocol === "http:")) return false;
  if (key.username || key.password) return false;
  // Cloud sites are reached as api-<region>.myconnectwise.net but sign keys on <region>.myconnectwise.net.
  const bare = (host: string) => host.replace(/^api-/, "");
  return key.host === own.host || (own.hostname.endsWith(".myconnectwise.net") && bare(key.hostname) === bare(own.hostname));
}

export async function fetchSigningKey(keyUrl: string, fetchImpl: (u: string, i: RequestInit) => Promise<Response>, now = Date.now()): Promise<string | null> {
  const hit = cache.get(keyUrl);
  if (hit && now - hit.at < KEY_TTL_MS) return hit.key;
  let res: Response;
  try {
    res = await fetchImpl(keyUrl, { redirect: "manual", signal: AbortSignal.timeout(3000) });
  } catch {
    return null;
  }
  if (!res.ok) return null;
  const parsed = keyBody.safeParse(await res.json().catch(() => null));
  if (!parsed.success) return null;
  cache.set(keyUrl, { key: parsed.data.signing_key, at: now });
  return parsed.data.signing_key;
}

/** Drops cached keys (a signature that fails with a cached key is retried with a fresh one). */
export const forgetSigningKey = (keyUrl: string) => cache.delete(keyUrl);
