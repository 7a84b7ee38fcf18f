import { z } from "zod";

/**
 * The signing key a ConnectWise callback names in `Metadata.key_url`. That URL is chosen by
 * whoever sent the request, so it is fetched only when it is the tenant's own company's key
 * page (see keyUrlProblem), without redirects, with a short timeout, and cached so a burst
 * of callbacks costs one fetch.
 */
const KEY_TTL_MS = 60 * 60 * 1000;
const cache = new Map<string, { key: string; at: number }>();
const keyBody = z.object({ signing_key: z.string().min(1).max(500) });

/**
 * ConnectWise's callback-key page: `<site>/<codebase>/system/callbackkey/index.rails`, where
 * the codebase is e.g. `v4_6_release` or `v2025_1` (cloud writes `v2025_1//system/…`).
 */
const KEY_PATH = /^\/v[0-9a-z_]{1,30}\/{1,2}system\/callbackkey\/index\.rails$/i;

/** Why a `key_url` is refused, or null when it is the tenant's own company's key page. */
export type KeyUrlProblem = "not_a_url" | "insecure" | "foreign_host" | "foreign_path" | "foreign_company";

/**
 * Cloud tenants share hosts (na.myconnectwise.net serves every customer's key page), so the
 * host alone says nothing: the key must be the key page on the tenant's site, for the
 * tenant's own company (`companyName`), or any ConnectWise customer could sign callbacks.
 */
export function keyUrlProblem(keyUrl: string, connection: { site: string; companyId: string }): KeyUrlProblem | null {
  let key: URL;
  let own: URL;
  try {
    key = new URL(keyUrl);
    own = new URL(connection.site);
  } catch {
    return "not_a_url";
  }
  const local = ["localhost", "127.0.0.1"].includes(own.hostname);
  if (key.protocol !== "https:" && !(local && key.protocol === "http:")) return "insecure";
  if (key.username || key.password) return "insecure";
  // Cloud sites are reached as api-<region>.myconnectwise.net but sign keys on <region>.myconnectwise.net.
  const bare = (host: string) => host.replace(/^api-/, "");
  const sameHost = key.host === own.host || (own.hostname.endsWith(".myconnectwise.net") && bare(key.hostname) === bare(own.hostname));
  if (!sameHost) return "foreign_host";
  // A site may live under a path (the sandbox's /cw); the key page is under the same one.
  const sitePath = own.pathname.replace(/\/+$/, "");
  if (!key.pathname.startsWith(`${sitePath}/`) || !KEY_PATH.test(key.pathname.slice(sitePath.length))) return "foreign_path";
  const names = key.searchParams.getAll("companyName");
  const ids = key.searchParams.getAll("id");
  if (names.length !== 1 || ids.length !== 1 || [...key.searchParams.keys()].some((k) => k !== "companyName" && k !== "id")) return "foreign_company";
  if (names[0]!.toLowerCase() !== connection.companyId.toLowerCase()) return "foreign_company";
  return null;
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
