import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, hashPassword, keyIdOf, sealedKeyId, verifyPassword } from "../../src/lib/crypto";
import { bindings } from "../../src/lib/secret-binding";
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

const OLD_KEY = btoa("an-older-key-of-thirty-two-bytes");

/** A legacy v1 envelope (no key id, no binding), as written before key ids existed. */
async function legacyV1(keyBase64: string, value: unknown): Promise<string> {
  const key = await crypto.subtle.importKey("raw", Uint8Array.from(atob(keyBase64), (c) => c.charCodeAt(0)), "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(JSON.stringify(value))));
  return `v1.${btoa(String.fromCharCode(...iv))}.${btoa(String.fromCharCode(...data))}`;
}

describe("secrets at rest", () => {
  it("round-trips through AES-GCM, names its key by id, and never stores the plaintext or the key", async () => {
    const sealed = await encryptSecret(env.ENCRYPTION_KEY, { privateKey: "acme-private-key" }, "binding");
    expect(sealed).not.toContain("acme-private-key");
    expect(sealed).not.toContain(env.ENCRYPTION_KEY);
    expect(sealed).toMatch(/^v2\.[0-9a-f]{8}\./);
    expect(sealedKeyId(sealed)).toBe(await keyIdOf(env.ENCRYPTION_KEY));
    expect(await decryptSecret(env.ENCRYPTION_KEY, sealed, "binding")).toEqual({ privateKey: "acme-private-key" });
  });

  it("opens only under the binding it was sealed with (tenant, column, host)", async () => {
    const sealed = await encryptSecret(env.ENCRYPTION_KEY, { privateKey: "k" }, bindings.connectwiseSecrets("t1", "https://api-na.myconnectwise.net", "acme"));
    for (const other of [
      bindings.connectwiseSecrets("t2", "https://api-na.myconnectwise.net", "acme"),
      bindings.connectwiseSecrets("t1", "https://attacker.example", "acme"),
      bindings.connectwiseSecrets("t1", "https://api-na.myconnectwise.net", "other"),
      bindings.portalSecrets("t1", "https://api-na.myconnectwise.net"),
      "",
    ]) {
      await expect(decryptSecret(env.ENCRYPTION_KEY, sealed, other)).rejects.toThrow();
    }
  });

  it("uses a fresh IV each time and refuses a tampered envelope", async () => {
    const a = await encryptSecret(env.ENCRYPTION_KEY, "same");
    const b = await encryptSecret(env.ENCRYPTION_KEY, "same");
    expect(a).not.toBe(b);
    const [v, kid, iv, data] = a.split(".");
    const flipped = `${v}.${kid}.${iv}.${data!.slice(0, -4)}${data!.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    await expect(decryptSecret(env.ENCRYPTION_KEY, flipped)).rejects.toThrow();
  });

  it("rotates: the previous key still opens what it sealed, new envelopes use the current key", async () => {
    const before = await encryptSecret(OLD_KEY, "s", "b");
    const ring = { current: env.ENCRYPTION_KEY, previous: OLD_KEY };
    expect(await decryptSecret(ring, before, "b")).toBe("s");
    expect(sealedKeyId(await encryptSecret(ring, "s", "b"))).toBe(await keyIdOf(env.ENCRYPTION_KEY));
    // Once the previous key is gone, its envelopes say which key they need.
    await expect(decryptSecret(env.ENCRYPTION_KEY, before, "b")).rejects.toThrow(new RegExp(`No key with id ${await keyIdOf(OLD_KEY)}`));
  });

  it("still opens legacy v1 envelopes with either key", async () => {
    expect(await decryptSecret({ current: env.ENCRYPTION_KEY, previous: OLD_KEY }, await legacyV1(OLD_KEY, { apiToken: "t" }), "any")).toEqual({ apiToken: "t" });
    await expect(decryptSecret(env.ENCRYPTION_KEY, await legacyV1(OLD_KEY, "x"))).rejects.toThrow();
  });

  it("rejects a key of the wrong size", async () => {
    await expect(encryptSecret(btoa("short"), "x")).rejects.toThrow(/32 bytes/);
  });
});

describe("password hashes", () => {
  it("verify the right password only", async () => {
    const hash = await hashPassword("acme-demo-pass");
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(await verifyPassword("acme-demo-pass", hash)).toBe(true);
    expect(await verifyPassword("acme-demo-pas", hash)).toBe(false);
    expect(await verifyPassword("acme-demo-pass", "garbage")).toBe(false);
  });
});
