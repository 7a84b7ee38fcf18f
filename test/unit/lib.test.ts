import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, fromBase64, hashPassword, needsRehash, NO_PASSWORD, toBase64, verifyPassword } from "../../src/lib/crypto";

/** PBKDF2 of the bare password: what `pbkdf2-sha256$` hashes (before the pepper) hold. */
async function legacyHash(password: string, saltB64: string, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  return toBase64(new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: fromBase64(saltB64), iterations }, key, 256)));
}
import { formatLogLine } from "../../src/lib/log";

describe("log lines", () => {
  it("are one JSON object with level, event and ids", () => {
    const line = formatLogLine("info", "ticket.synced", { tenant: "t1", run: "r1", ticket: 5, cwTicket: 9 });
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toMatchObject({ level: "info", event: "ticket.synced", tenant: "t1", run: "r1", ticket: 5, cwTicket: 9 });
  });

  it("never carry secrets, however deeply nested", () => {
    const line = formatLogLine("error", "x", { privateKey: "pk-123", nested: { accessToken: "tok-456", headers: { Authorization: "Basic abc" } }, password: "p" });
    for (const secret of ["pk-123", "tok-456", "Basic abc", '"p"']) expect(line).not.toContain(secret);
    expect(JSON.parse(line).nested.accessToken).toBe("[redacted]");
  });
});

describe("secrets at rest", () => {
  it("round-trips through AES-GCM and never stores the plaintext", async () => {
    const sealed = await encryptSecret(env.ENCRYPTION_KEY, { privateKey: "acme-private-key" });
    expect(sealed).not.toContain("acme-private-key");
    expect(sealed).toMatch(/^v1\./);
    expect(await decryptSecret(env.ENCRYPTION_KEY, sealed)).toEqual({ privateKey: "acme-private-key" });
  });

  it("uses a fresh IV each time and refuses a tampered envelope", async () => {
    const a = await encryptSecret(env.ENCRYPTION_KEY, "same");
    const b = await encryptSecret(env.ENCRYPTION_KEY, "same");
    expect(a).not.toBe(b);
    const [v, iv, data] = a.split(".");
    const flipped = `${v}.${iv}.${data!.slice(0, -4)}${data!.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    await expect(decryptSecret(env.ENCRYPTION_KEY, flipped)).rejects.toThrow();
  });

  it("rejects a key of the wrong size", async () => {
    await expect(encryptSecret(btoa("short"), "x")).rejects.toThrow(/32 bytes/);
  });
});

describe("password hashes", () => {
  it("verify the right password only", async () => {
    const hash = await hashPassword("acme-demo-pass", env.PASSWORD_PEPPER);
    expect(hash).toMatch(/^pbkdf2-sha256-pepper\$100000\$/);
    expect(await verifyPassword("acme-demo-pass", hash, env.PASSWORD_PEPPER)).toBe(true);
    expect(await verifyPassword("acme-demo-pas", hash, env.PASSWORD_PEPPER)).toBe(false);
    expect(await verifyPassword("acme-demo-pass", "garbage", env.PASSWORD_PEPPER)).toBe(false);
    expect(await verifyPassword("acme-demo-pass", NO_PASSWORD, env.PASSWORD_PEPPER)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it("need the pepper: the database alone does not verify a password", async () => {
    const hash = await hashPassword("acme-demo-pass", env.PASSWORD_PEPPER);
    expect(await verifyPassword("acme-demo-pass", hash, "another pepper")).toBe(false);
    // The pepper's HMAC is what PBKDF2 sees: the same salt without it gives another hash.
    const [, iterations, salt] = hash.split("$");
    const bare = await legacyHash("acme-demo-pass", salt!, Number(iterations));
    expect(bare).not.toBe(hash.split("$")[3]);
    await expect(hashPassword("x", "")).rejects.toThrow(/PASSWORD_PEPPER/);
  });

  it("still verify hashes from before the pepper, and mark them for upgrade", async () => {
    const salt = btoa("0123456789abcdef");
    const legacy = `pbkdf2-sha256$100000$${salt}$${await legacyHash("acme-demo-pass", salt, 100_000)}`;
    expect(await verifyPassword("acme-demo-pass", legacy, env.PASSWORD_PEPPER)).toBe(true);
    expect(await verifyPassword("acme-demo-pas", legacy, env.PASSWORD_PEPPER)).toBe(false);
    expect(needsRehash(legacy)).toBe(true);
  });
});
