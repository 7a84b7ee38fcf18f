import { rateLimiterStub } from "../../jobs/stubs";
import type { RateRule } from "../../limits/rate-limit";

/**
 * Password-guessing limits, kept in RateLimiter Durable Objects (one atomic counter per key).
 * Keys use the typed email, known or not, so unknown accounts are limited exactly like real
 * ones (no enumeration). The tight lock is per (account, IP): an attacker elsewhere locks
 * only themselves out, never the victim. The per-IP and per-account ceilings catch spraying
 * and distributed guessing.
 */
const MINUTE = 60_000;
/** Password checks of one account from one IP (reserved before checking; a success clears it). */
export const ACCOUNT_IP_RULE: RateRule = { limit: 5, windowMs: 15 * MINUTE };
/** Failed sign-ins from one IP across all accounts (password spraying). */
export const IP_RULE: RateRule = { limit: 20, windowMs: 15 * MINUTE };
/** Failed sign-ins of one account across all IPs (a distributed attack): needs at least 10 IPs. */
export const ACCOUNT_RULE: RateRule = { limit: 50, windowMs: 60 * MINUTE };

/** IPv6 clients usually own a whole /64: count the prefix, not the address. */
export function clientKey(ip: string | undefined): string {
  const raw = (ip ?? "").trim().toLowerCase();
  if (!raw) return "unknown";
  if (!raw.includes(":")) return raw;
  const [head = "", tail = ""] = raw.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = raw.includes("::") ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

function keys(email: string, ip: string) {
  return { accountIp: `sign-in:account-ip:${email}|${ip}`, ip: `sign-in:ip:${ip}`, account: `sign-in:account:${email}` };
}

/**
 * Reserves one password check. False when a limit refuses it: the caller then refuses the
 * sign-in without checking the password. The reservation is atomic, so of any number of
 * parallel guesses at most ACCOUNT_IP_RULE.limit are checked per window.
 */
export async function admitSignIn(env: Env, email: string, ip: string): Promise<boolean> {
  const k = keys(email, ip);
  const [ipBlocked, accountBlocked] = await Promise.all([
    rateLimiterStub(env, k.ip).blockedFor(IP_RULE),
    rateLimiterStub(env, k.account).blockedFor(ACCOUNT_RULE),
  ]);
  if (ipBlocked !== null || accountBlocked !== null) return false;
  return (await rateLimiterStub(env, k.accountIp).take(ACCOUNT_IP_RULE)).allowed;
}

/** Counts a failed check against the IP and account ceilings. */
export async function recordSignInFailure(env: Env, email: string, ip: string): Promise<void> {
  const k = keys(email, ip);
  await Promise.all([rateLimiterStub(env, k.ip).take(IP_RULE), rateLimiterStub(env, k.account).take(ACCOUNT_RULE)]);
}

/** A right password from this IP: its (account, IP) checks start again. */
export async function recordSignInSuccess(env: Env, email: string, ip: string): Promise<void> {
  await rateLimiterStub(env, keys(email, ip).accountIp).clear();
}
