import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  fromBase64,
  hashPassword,
  keyIdOf,
  needsRehash,
  NO_PASSWORD,
  sealedKeyId,
  toBase64,
  verifyPassword,
} from "../../src/lib/crypto";
import { bindings } from "../../src/lib/secret-binding";
import { createDb } from "../../src/db/client";
import { tenants } from "../../src/db/schema";

/** PBKDF2 of the bare password: what `pbkdf2-sha256$` hashes (before the pepper) hold. */
async function legacyHash(password: string, saltB64: string, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  return toBase64(new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: fromBase64(saltB64), iterations }, key, 256)));
}
import { createLogger, logEntry } from "../../src/lib/log";
import { captureLogs } from "../setup/logs";

describe("log events", () => {
  it("are one plain object with level, event and ids, and no timestamp of ours", () => {
    expect(logEntry("info", "ticket.synced", { tenant: "t1", run: "r1", ticket: 5, cwTicket: 9, code: undefined })).toEqual({
      level: "info",
      event: "ticket.synced",
      tenant: "t1",
      run: "r1",
      ticket: 5,
      cwTicket: 9,
    });
  });

  it("never carry secrets, however deeply nested", () => {
    const entry = logEntry("error", "x", { privateKey: "pk-123", nested: { accessToken: "tok-456", headers: { Authorization: "Basic abc" } }, password: "p" });
    expect(entry).toEqual({
      level: "error",
      event: "x",
      privateKey: "[redacted]",
      nested: { accessToken: "[redacted]", headers: { Authorization: "[redacted]" } },
      password: "[redacted]",
    });
  });

  it("go to the console method of their level, one object per call, with the logger's base fields", () => {
    const logs = captureLogs({ quiet: true });
    const log = createLogger({ tenant: "t1" }).with({ run: "r1" });
    log.debug("a.debug");
    log.info("a.info", { ticket: 5 });
    log.warn("a.warn");
    log.error("a.error");
    expect(["a.debug", "a.info", "a.warn", "a.error"].map((event) => logs.methods(event))).toEqual([["debug"], ["info"], ["warn"], ["error"]]);
    expect(logs.events("a.info")).toEqual([{ level: "info", event: "a.info", tenant: "t1", run: "r1", ticket: 5 }]);
    expect(logs.count()).toBe(4);
    logs.restore();
  });
});

const OLD_KEY = btoa("an-older-key-of-thirty-two-bytes");

/** A legacy v1 envelope (no key id, no binding), as written before key ids existed. */
async function legacyV1(keyBase64: string, value: unknown): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    Uint8Array.from(atob(keyBase64), (c) => c.charCodeAt(0)),
    "AES-GCM",
    false,
    ["encrypt"],
  );
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
    expect(await decryptSecret({ current: env.ENCRYPTION_KEY, previous: OLD_KEY }, await legacyV1(OLD_KEY, { apiToken: "t" }), "any")).toEqual({
      apiToken: "t",
    });
    await expect(decryptSecret(env.ENCRYPTION_KEY, await legacyV1(OLD_KEY, "x"))).rejects.toThrow();
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

describe("database client", () => {
  it("is built once per D1 binding (building one re-derives drizzle's relational schema) and still reads", async () => {
    expect(createDb(env.DB)).toBe(createDb(env.DB));
    expect(await createDb(env.DB).select().from(tenants).limit(1)).toBeInstanceOf(Array);
  });
});
