/**
 * Secrets at rest (AES-GCM with the ENCRYPTION_KEY Worker secret), password hashes
 * (PBKDF2-SHA256 over an HMAC with the PASSWORD_PEPPER secret) and opaque tokens (stored as SHA-256 hashes). WebCrypto only.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** RFC 4648 §5 (URL- and filename-safe, unpadded). */
export const toBase64Url = (bytes: Uint8Array): string => toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomToken(bytes = 32): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

async function importAesKey(keyBase64: string): Promise<CryptoKey> {
  const raw = fromBase64(keyBase64);
  if (raw.length !== 32) throw new Error("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * The keys secrets are sealed with: `current` seals, `previous` (during a rotation) still
 * opens what was sealed before. A bare string is a keyring of one.
 */
export interface Keyring {
  current: string;
  previous?: string | undefined;
}
type Keys = Keyring | string;
const ringOf = (keys: Keys): Keyring => (typeof keys === "string" ? { current: keys } : keys);

/** A key's id in envelopes: the first 8 hex digits of its SHA-256, so the key itself never shows. */
export async function keyIdOf(keyBase64: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", fromBase64(keyBase64))).slice(0, 8);
}

/** The id of the key an envelope was sealed with (null for legacy v1 envelopes). */
export function sealedKeyId(sealed: string): string | null {
  const [version, kid] = sealed.split(".");
  return version === "v2" && kid ? kid : null;
}

/**
 * Encrypts a JSON-serialisable value: `v2.<key id>.<iv>.<ciphertext>` (base64). `binding`
 * is AES-GCM associated data: the envelope opens only with the same binding, so a
 * ciphertext copied to another tenant, column or host is useless.
 */
export async function encryptSecret(keys: Keys, value: unknown, binding = ""): Promise<string> {
  const { current } = ringOf(keys);
  const key = await importAesKey(current);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(binding) }, key, encoder.encode(JSON.stringify(value)));
  return `v2.${await keyIdOf(current)}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** Opens an envelope sealed with any key of the ring under the same binding; throws otherwise. */
export async function decryptSecret(keys: Keys, sealed: string, binding = ""): Promise<unknown> {
  const ring = ringOf(keys);
  const parts = sealed.split(".");
  if (parts[0] === "v1" && parts.length === 3) {
    // Legacy envelopes (no key id, no binding): opened with either key, re-sealed as v2 when next written.
    for (const candidate of [ring.current, ring.previous]) {
      if (!candidate) continue;
      try {
        return await openWith(candidate, parts[1]!, parts[2]!, undefined);
      } catch {
        // try the next key
      }
    }
    throw new Error("No key opens this envelope");
  }
  const [version, kid, iv, data] = parts;
  if (version !== "v2" || !kid || !iv || !data || parts.length !== 4) throw new Error("Unrecognised secret envelope");
  for (const candidate of [ring.current, ring.previous]) {
    if (candidate && (await keyIdOf(candidate)) === kid) return openWith(candidate, iv, data, binding);
  }
  throw new Error(`No key with id ${kid} is configured`);
}

async function openWith(keyBase64: string, iv: string, data: string, binding: string | undefined): Promise<unknown> {
  const key = await importAesKey(keyBase64);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), ...(binding === undefined ? {} : { additionalData: encoder.encode(binding) }) },
    key,
    fromBase64(data),
  );
  return JSON.parse(decoder.decode(plain));
}

const PBKDF2_ITERATIONS = 100_000; // the Workers runtime's PBKDF2 ceiling
/** Before the pepper: plain PBKDF2 of the password. Still verified, upgraded at the next sign-in. */
const LEGACY_SCHEME = "pbkdf2-sha256";
/** PBKDF2 of HMAC-SHA256(PASSWORD_PEPPER, password): a stolen database alone cannot be cracked offline. */
const PEPPERED_SCHEME = "pbkdf2-sha256-pepper";

async function pbkdf2(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

async function peppered(password: string, pepper: string): Promise<string> {
  if (!pepper) throw new Error("PASSWORD_PEPPER is not set");
  return hmacSha256Base64(utf8(pepper), password);
}

/** `pbkdf2-sha256-pepper$<iterations>$<salt b64>$<hash b64>` */
export async function hashPassword(password: string, pepper: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(await peppered(password, pepper), salt, PBKDF2_ITERATIONS);
  return `${PEPPERED_SCHEME}$${PBKDF2_ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`;
}

/**
 * Whether `password` matches `stored` (either scheme). A stored value of no known scheme
 * (e.g. an account waiting for its first-sign-in link) costs the same work and never matches,
 * so timing does not tell such accounts apart.
 */
export async function verifyPassword(password: string, stored: string, pepper: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  const known = (scheme === PEPPERED_SCHEME || scheme === LEGACY_SCHEME) && !!iterations && !!salt && !!hash;
  if (!known) {
    await pbkdf2(await peppered(password, pepper), new Uint8Array(16), PBKDF2_ITERATIONS);
    return false;
  }
  const input = scheme === PEPPERED_SCHEME ? await peppered(password, pepper) : password;
  const actual = await pbkdf2(input, fromBase64(salt), Number(iterations));
  return timingSafeEqual(toBase64(actual), hash);
}

/** A hash from before the pepper (or with fewer iterations): rehash it after a successful sign-in. */
export function needsRehash(stored: string): boolean {
  const [scheme, iterations] = stored.split("$");
  return scheme !== PEPPERED_SCHEME || Number(iterations) < PBKDF2_ITERATIONS;
}

/** Stored for accounts that have no password yet: matches no password (see `verifyPassword`). */
export const NO_PASSWORD = "none$";

/** Base64 HMAC-SHA256 of `message` under raw `key` bytes (webhook signatures). */
export async function hmacSha256Base64(key: Uint8Array<ArrayBuffer> | ArrayBuffer, message: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(message))));
}

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(encoder.encode(text));
