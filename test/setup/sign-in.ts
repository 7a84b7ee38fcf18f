import { SELF } from "cloudflare:test";
import { ORIGIN } from "./admin-client";

/** POST /login as a browser would, from `ip` (the CF-Connecting-IP Cloudflare sets). */
export function postLogin(email: string, password: string, ip = "203.0.113.1") {
  return SELF.fetch(`${ORIGIN}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password }),
    headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": ip },
    redirect: "manual",
  });
}

/** The secret a page shows once (a token or a sign-in link). */
export const secretIn = (html: string) => /data-secret="once">([^<]+)</.exec(html)?.[1];

/** The path of a one-time sign-in link shown on a page. */
export function linkPathIn(html: string): string {
  const link = secretIn(html);
  if (!link) throw new Error("no sign-in link on the page");
  return new URL(link).pathname;
}

/** Uses a sign-in link: GET the form, then POST a password. */
export function useLink(path: string, password: string, confirm = password) {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    body: new URLSearchParams({ password, confirm }),
    headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
}
