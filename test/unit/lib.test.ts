import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, hashPassword, verifyPassword } from "../../src/lib/crypto";
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
    const hash = await hashPassword("acme-demo-pass");
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(await verifyPassword("acme-demo-pass", hash)).toBe(true);
    expect(await verifyPassword("acme-demo-pas", hash)).toBe(false);
    expect(await verifyPassword("acme-demo-pass", "garbage")).toBe(false);
  });
});
