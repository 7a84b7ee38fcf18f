import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { users } from "../../src/db/schema";
import { SIGN_IN_REFUSED } from "../../src/admin/accounts/sign-in-pages";
import { ACCOUNT_IP_RULE, ACCOUNT_RULE, clientKey, IP_RULE } from "../../src/admin/accounts/sign-in-limits";
import { createTenant, db, uniqueId } from "../factories/tenants";
import { createUser } from "../setup/admin-client";
import { postLogin } from "../setup/sign-in";

/** Attacks on POST /login against the running Worker; each IP is unique to its test. */
const failedSignIns = async (id: string) => (await db().select().from(users).where(eq(users.id, id)))[0]!.failedSignIns;
const isSession = (res: Response) => res.status === 303 && (res.headers.get("set-cookie") ?? "").startsWith("__Host-psa-session=");
/** The answer with the typed email taken out (the form keeps it, as it should). */
const answer = async (res: Response, email: string) => ({
  status: res.status,
  body: (await res.text()).replaceAll(email, "EMAIL"),
  cookie: res.headers.get("set-cookie"),
});

describe("guessing one account's password", () => {
  it("judges at most 5 of 30 parallel wrong guesses, then refuses the right password too", async () => {
    const user = await createUser("tenant_admin", (await createTenant()).id);
    const ip = "198.51.100.10";
    const results = await Promise.all(Array.from({ length: 30 }, () => postLogin(user.email, "wrong password", ip)));
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(401));
    // Every guess that was judged counted one failure (an atomic UPDATE … + 1): exactly the limit.
    expect(await failedSignIns(user.id)).toBe(ACCOUNT_IP_RULE.limit);

    const right = await postLogin(user.email, user.password, ip);
    expect(right.status).toBe(401);
    expect(right.headers.get("set-cookie")).toBeNull();
    expect(await right.text()).toContain(SIGN_IN_REFUSED);
    // Refused without checking the password: nothing was counted.
    expect(await failedSignIns(user.id)).toBe(ACCOUNT_IP_RULE.limit);
  });

  it("locks the attacker's IP only: the victim still signs in from their own address", async () => {
    const victim = await createUser("operator", null);
    for (let i = 0; i < ACCOUNT_IP_RULE.limit + 2; i++) expect((await postLogin(victim.email, `guess ${i}`, "198.51.100.20")).status).toBe(401);
    expect((await postLogin(victim.email, victim.password, "198.51.100.20")).status).toBe(401);
    const fromHome = await postLogin(victim.email, victim.password, "192.0.2.20");
    expect(isSession(fromHome)).toBe(true);
    // The success resets the account's failure count.
    expect(await failedSignIns(victim.id)).toBe(0);
  });

  it("stops a distributed attack at the per-account ceiling, whatever the IP", async () => {
    const user = await createUser("tenant_viewer", (await createTenant()).id);
    const ips = ACCOUNT_RULE.limit / ACCOUNT_IP_RULE.limit;
    for (let n = 0; n < ips; n++) {
      const rs = await Promise.all(Array.from({ length: ACCOUNT_IP_RULE.limit }, () => postLogin(user.email, "wrong password", `198.18.${n}.1`)));
      expect(rs.every((r) => r.status === 401)).toBe(true);
    }
    expect(await failedSignIns(user.id)).toBe(ACCOUNT_RULE.limit);
    const fresh = await postLogin(user.email, user.password, "198.18.200.1");
    expect(fresh.status).toBe(401);
    expect(await failedSignIns(user.id)).toBe(ACCOUNT_RULE.limit);
  });
});

describe("password spraying from one IP", () => {
  it("refuses every account from that IP after 20 failures, but not the same accounts elsewhere", async () => {
    const ip = "198.51.100.30";
    for (let i = 0; i < IP_RULE.limit; i++) expect((await postLogin(`${uniqueId("spray")}@example.test`.toLowerCase(), "Summer2026!", ip)).status).toBe(401);
    const target = await createUser("tenant_admin", (await createTenant()).id);
    expect((await postLogin(target.email, target.password, ip)).status).toBe(401);
    expect(await failedSignIns(target.id)).toBe(0);
    expect(isSession(await postLogin(target.email, target.password, "192.0.2.30"))).toBe(true);
  });

  it("counts an IPv6 client's whole /64", () => {
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe(clientKey("2001:0db8:0001:0002:ffff:1:2:3"));
    expect(clientKey("2001:db8:1:2::1")).not.toBe(clientKey("2001:db8:1:3::1"));
    expect(clientKey("192.0.2.1")).toBe("192.0.2.1");
    expect(clientKey(undefined)).toBe("unknown");
  });
});

describe("what a refused sign-in tells", () => {
  it("answers an unknown email, a wrong password, a locked account and a disabled user identically", async () => {
    const tenant = await createTenant();
    const known = await createUser("tenant_admin", tenant.id);
    const locked = await createUser("tenant_admin", tenant.id);
    const disabled = await createUser("tenant_viewer", tenant.id);
    await db().update(users).set({ disabled: true }).where(eq(users.id, disabled.id));
    const lockIp = "198.51.100.40";
    for (let i = 0; i < ACCOUNT_IP_RULE.limit; i++) await postLogin(locked.email, "wrong password", lockIp);

    const unknownEmail = `${uniqueId("nobody")}@example.test`.toLowerCase();
    const answers = [
      await answer(await postLogin(unknownEmail, "some password", "198.51.100.41"), unknownEmail),
      await answer(await postLogin(known.email, "wrong password", "198.51.100.42"), known.email),
      await answer(await postLogin(locked.email, locked.password, lockIp), locked.email),
      await answer(await postLogin(disabled.email, disabled.password, "198.51.100.43"), disabled.email),
    ];
    expect(answers[0]).toMatchObject({ status: 401, cookie: null });
    expect(answers[0]!.body).toContain(SIGN_IN_REFUSED);
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
  });

  it("locks an unknown email exactly like a real one", async () => {
    const unknownEmail = `${uniqueId("ghost")}@example.test`.toLowerCase();
    const user = await createUser("tenant_admin", (await createTenant()).id);
    const a = await Promise.all(Array.from({ length: 8 }, () => postLogin(unknownEmail, "x", "198.51.100.50")));
    const b = await Promise.all(Array.from({ length: 8 }, () => postLogin(user.email, "x", "198.51.100.51")));
    const bodies = async (rs: Response[], email: string) => Promise.all(rs.map(async (r) => `${r.status} ${(await r.text()).replaceAll(email, "EMAIL")}`));
    expect(new Set([...(await bodies(a, unknownEmail)), ...(await bodies(b, user.email))]).size).toBe(1);
  });

  it("checks a decoy hash for an unknown email, so it costs the same PBKDF2 work as a wrong password", async () => {
    const user = await createUser("tenant_admin", (await createTenant()).id);
    // Counted, not timed: the Worker runs in this isolate, so its PBKDF2 derivations are visible here.
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const derivations = async (email: string, ip: string) => {
      derive.mockClear();
      await (await postLogin(email, "wrong password", ip)).text();
      return derive.mock.calls.filter(([algorithm]) => (algorithm as { name?: string }).name === "PBKDF2").length;
    };
    const known = await derivations(user.email, "198.51.101.1");
    const unknown = await derivations(`${uniqueId("nobody")}@example.test`.toLowerCase(), "198.51.102.1");
    derive.mockRestore();
    expect(known).toBeGreaterThan(0);
    expect(unknown).toBe(known);
  });
});
