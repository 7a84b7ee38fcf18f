import { eq } from "drizzle-orm";
import { z } from "zod";
import { createDb } from "../db/client";
import { tenants } from "../db/schema";
import { AppError } from "../lib/errors";
import { log } from "../lib/log";
import { checkEgress, type Destination, type EgressConfig, type EgressTarget } from "./policy";

/**
 * The only way psa-sync calls out: every connector, the OAuth exchange, the alert webhook
 * and the callback-key fetch go through `egressFetch`, which applies the policy
 * (policy.ts) to each URL before sending and never follows a redirect (credentials ride
 * on most of these calls; a redirect would carry them elsewhere).
 */

/** The shape of `fetch` every client takes, so a caller decides how a call leaves (egress, budgets, a test's fake). */
export type FetchLike = (input: RequestInfo | URL, init?: FetchInit) => Promise<Response>;

/** `timeoutMs`: the length of `signal`'s timeout, so a layer that held the call back (a budget's wait) can start it afresh when the call leaves. */
export type FetchInit = RequestInit & { timeoutMs?: number };

/** A request the egress policy refused: nothing was sent. */
export class EgressRefused extends AppError {
  constructor(reason: string, host: string) {
    super("forbidden", `Refused by psa-sync's egress policy (${host}): ${reason}.`);
  }
}

const origins = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => new URL(s).origin),
  );

const originOf = (value: string | undefined): string | null => {
  try {
    return value ? new URL(value).origin : null;
  } catch {
    return null;
  }
};

/** The policy's settings from the deployment's vars; `requestOrigin` is the origin being served, when there is one. */
export function egressConfig(env: Env, requestOrigin?: string): EgressConfig {
  const self = [originOf(env.PUBLIC_URL), originOf(requestOrigin)].filter((o): o is string => o !== null);
  return { portalBaseUrl: portalBaseUrl(env), localOrigins: origins.parse(env.EGRESS_LOCAL_ORIGINS), selfOrigins: self };
}

/** PORTAL_BASE_URL without a trailing slash; a deployment without one cannot reach the portal. */
export function portalBaseUrl(env: Env): string {
  const value = (env.PORTAL_BASE_URL ?? "").trim().replace(/\/+$/, "");
  if (!originOf(value)) throw new AppError("internal", "PORTAL_BASE_URL is not set: the deployment must name its Support Portal (see README, Deploy).");
  return value;
}

/** The network, read at call time so tests can route it to the sandbox. */
export const liveFetch: FetchLike = (input, init) => fetch(input, init);

const urlOf = (input: RequestInfo | URL): string => (typeof input === "string" ? input : input instanceof URL ? input.href : input.url);

export interface EgressOptions {
  target?: EgressTarget;
  requestOrigin?: string;
  /** The transport underneath (tests and the call budget wrap it); the global fetch by default. */
  inner?: FetchLike;
}

export function egressFetch(env: Env, destination: Destination, opts: EgressOptions = {}): FetchLike {
  const config = egressConfig(env, opts.requestOrigin);
  const inner = opts.inner ?? liveFetch;
  return async (input, init) => {
    const verdict = checkEgress(urlOf(input), destination, config, opts.target);
    if (!verdict.ok) {
      const host = safeHost(urlOf(input));
      log.warn("egress.refused", { destination, host, reason: verdict.reason });
      throw new EgressRefused(verdict.reason, host);
    }
    const res = await inner(input, { ...init, redirect: "manual" });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      log.warn("egress.redirect_refused", { destination, host: verdict.url.host, status: res.status });
      throw new EgressRefused(`it answered with a redirect (HTTP ${res.status}), which psa-sync does not follow`, verdict.url.host);
    }
    return res;
  };
}

function safeHost(raw: string): string {
  try {
    return new URL(raw).host || "?";
  } catch {
    return "?";
  }
}

/**
 * What the policy needs to know of a tenant's ConnectWise site: the operator-approved
 * host, read only when the site is not a cloud (or local) host, so ordinary tenants pay nothing.
 */
export async function connectwiseTarget(env: Env, tenantId: string, site: string): Promise<EgressTarget> {
  if (checkEgress(site, "connectwise", egressConfig(env)).ok) return {};
  const row = await createDb(env.DB).select({ host: tenants.cwApprovedHost }).from(tenants).where(eq(tenants.id, tenantId)).get();
  return { approvedCwHost: row?.host ?? null };
}
