import { createDb } from "../db/client";
import { connectwiseConnections, portalConnections } from "../db/schema";
import { eq } from "drizzle-orm";
import { AppError, BudgetSpent } from "../lib/errors";
import { log } from "../lib/log";
import { callLimitVar, type CallLimit } from "../limits/call-budget";
import { callBudgetStub, portalBudgetStub } from "../jobs/stubs";
import { isLow, portalLimitVar, rateHeaders } from "../limits/portal-budget";
import { parseRetryAfter } from "./http";
import { bindings, connectwiseSecrets, openSecret, portalSecrets, sealSecret } from "../lib/secret-binding";
import { connectwiseTarget, egressFetch, liveFetch, portalBaseUrl, type FetchInit, type FetchLike } from "../egress/fetch";
import { createConnectWiseClient, lookupCodebase } from "./connectwise";
import type { ConnectWiseClient, OAuthTokens, PortalClient } from "./types";
import { createPortalClient, type PortalAuth } from "./zendesk";

type PortalRow = typeof portalConnections.$inferSelect;
type ConnectWiseRow = typeof connectwiseConnections.$inferSelect;

const unreadable = () =>
  new AppError("unauthorized", "The stored credentials cannot be opened (the encryption key changed, or the connection was moved). Reconnect.");

/**
 * The portal client for a tenant, at the deployment's portal address; rotated OAuth tokens
 * are persisted encrypted. `refreshWithinMs` treats a token expiring that soon as expired
 * (the tenant run refreshes early, so the ticket syncs running beside each other never race
 * to rotate the pair).
 */
export async function portalClientFor(
  env: Env,
  row: PortalRow,
  fetchImpl?: FetchLike,
  opts: { refreshWithinMs?: number; sleepsOnceSpent?: boolean; priority?: boolean } = {},
): Promise<PortalClient> {
  const baseUrl = portalBaseUrl(env);
  const binding = bindings.portalSecrets(row.tenantId, baseUrl);
  const secrets = await openSecret(env, row.secretsCiphertext, binding, portalSecrets);
  if (!secrets) throw unreadable();
  let auth: PortalAuth;
  if ("apiToken" in secrets) {
    auth = { kind: "api_token", email: row.email ?? "", apiToken: secrets.apiToken };
  } else {
    auth = {
      kind: "oauth",
      accessToken: secrets.accessToken,
      refreshToken: secrets.refreshToken,
      expiresAt: row.accessTokenExpiresAt ?? new Date(0).toISOString(),
      clientId: env.PORTAL_OAUTH_CLIENT_ID,
      clientSecret: env.PORTAL_OAUTH_CLIENT_SECRET,
    };
  }
  const onTokens = async (tokens: OAuthTokens) => {
    const secretsCiphertext = await sealSecret(env, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }, binding);
    await createDb(env.DB)
      .update(portalConnections)
      .set({ secretsCiphertext, accessTokenExpiresAt: tokens.expiresAt, updatedAt: new Date().toISOString() })
      .where(eq(portalConnections.tenantId, row.tenantId));
  };
  const skew = opts.refreshWithinMs ?? 0;
  const fetch = portalFetch(env, row.tenantId, fetchImpl, { sleepsOnceSpent: opts.sleepsOnceSpent, priority: opts.priority });
  return createPortalClient({ fetch, baseUrl, auth, onTokens, clusterFieldId: row.clusterFieldId, now: () => Date.now() + skew });
}

/** Longer waits are not slept through: the work is deferred (queue edge) instead. */
const MAX_BUDGET_WAIT_MS = 20_000;
/** …unless the work has already made portal calls (limits/portal-budget.ts, sleepers): deferred, it would repeat them. */
const SPENT_BUDGET_WAIT_MS = 120_000;
/** A cap var's value; a malformed one falls back to the default (and says so) rather than lifting the cap. */
function readLimit(value: string | undefined, schema: typeof callLimitVar, fallback: CallLimit, event: string): CallLimit | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  log.warn(event, { fallback: `${fallback.calls}/${fallback.windowMs / 1000}` });
  return fallback;
}

const callLimit = (env: Env) => readLimit(env.CW_CALL_LIMIT, callLimitVar, { calls: 1000, windowMs: 60_000 }, "config.invalid_call_limit");

/**
 * Every ConnectWise call of a tenant first takes its turn from the tenant's CallBudget,
 * so all of its concurrent syncs together stay under CW_CALL_LIMIT. Short waits are
 * slept through; a longer one throws `BudgetSpent` before anything is sent. A push
 * sync's calls (`priority`) may use the budget's reserve (limits/call-budget.ts).
 */
function budgetedFetch(env: Env, tenantId: string, inner: FetchLike, priority = false): FetchLike {
  const limit = callLimit(env);
  if (!limit) return inner;
  return async (input, init) => {
    // One reservation per call, made just before it: slots leased ahead and spent later would bunch up.
    const turn = await callBudgetStub(env, tenantId).reserve(limit, MAX_BUDGET_WAIT_MS, priority);
    if (!turn.granted) {
      const seconds = Math.ceil(turn.waitMs / 1000);
      throw new BudgetSpent(
        `connectwise: this tenant's cap of ${limit.calls} calls per ${limit.windowMs / 1000} s is reached; resuming in ${seconds} s`,
        seconds,
      );
    }
    if (turn.waitMs > 0) await sleep(turn.waitMs);
    return inner(input, timedFromNow(init));
  };
}

const portalLimit = (env: Env) => readLimit(env.PORTAL_CALL_LIMIT, portalLimitVar, { calls: 600, windowMs: 60_000 }, "config.invalid_portal_call_limit");

/**
 * Every portal call, of any tenant, first takes its turn from the account's one
 * PortalBudget (limits/portal-budget.ts): short waits are slept through, a longer one (or
 * a tenant over its share while the account is busy, for longer than that) throws
 * `BudgetSpent` before anything is sent. With `sleepsOnceSpent` (a ticket sync), once a
 * call has gone the later ones may sleep up to SPENT_BUDGET_WAIT_MS as one of the tenant's
 * bounded sleepers rather than throw the calls made so far away. Each response tells the
 * budget about the account: a 429 pauses it for the Retry-After, a low
 * X-Rate-Limit-Remaining for a while.
 */
/** How a caller waits for portal turns: how long a call may wait, whether a sync that has spent calls sleeps through a busy budget, whether it is a push sync's. */
export interface PortalWait {
  maxWaitMs?: number;
  sleepsOnceSpent?: boolean;
  priority?: boolean;
}

export function portalBudgetedFetch(
  env: Env,
  tenantId: string,
  inner: FetchLike,
  { maxWaitMs = MAX_BUDGET_WAIT_MS, sleepsOnceSpent = false, priority = false }: PortalWait = {},
): FetchLike {
  const limit = portalLimit(env);
  if (!limit) return inner;
  const account = portalBaseUrl(env);
  const sleeperId = crypto.randomUUID();
  let spent = false;
  return async (input, init) => {
    const budget = portalBudgetStub(env, account);
    const asked = Date.now();
    const sleeps = sleepsOnceSpent && spent;
    for (;;) {
      const left = (ms: number) => Math.max(0, asked + ms - Date.now());
      const sleeper = sleeps ? { id: sleeperId, maxWaitMs: left(SPENT_BUDGET_WAIT_MS) } : undefined;
      const turn = await budget.take(tenantId, limit, left(maxWaitMs), sleeper, priority);
      if (turn.granted) {
        if (turn.waitMs > 0) await sleep(turn.waitMs);
        break;
      }
      // Over its share while others wait: the tenant asks again once its share allows, unless that is too late.
      if (turn.defer) {
        const seconds = Math.max(1, Math.ceil(turn.waitMs / 1000));
        log.info("portal_budget.deferred", { tenant: tenantId, reason: turn.reason, share: turn.share, delaySeconds: seconds, spent: sleeps });
        throw new BudgetSpent(
          turn.reason === "share"
            ? `portal: this tenant has its fair share of the portal account's budget in use (${turn.share} calls per ${limit.windowMs / 1000} s) while others wait; resuming in ${seconds} s`
            : `portal: the portal account's budget of ${limit.calls} calls per ${limit.windowMs / 1000} s is spent for now; resuming in ${seconds} s`,
          seconds,
        );
      }
      // At least a fifth of a second: a busy tenant's waiting calls must not poll the one object.
      await sleep(Math.max(MIN_ASK_AGAIN_MS, turn.waitMs));
    }
    spent = true;
    const res = await inner(input, timedFromNow(init));
    if (res.status === 429) {
      const seconds = parseRetryAfter(res.headers.get("retry-after")) ?? limit.windowMs / 1000;
      await budget.rateLimited(tenantId, limit, seconds * 1000);
    } else {
      const report = rateHeaders(res.headers);
      // Only a low reading costs a round trip to the budget.
      if (report && isLow(report)) await budget.remaining(tenantId, limit, report);
    }
    return res;
  };
}

/**
 * Outbound fetch for the portal, for a tenant: the egress policy first (nothing refused
 * reaches the budget), then the account's portal budget, then the network.
 */
export function portalFetch(env: Env, tenantId: string, inner?: FetchLike, opts: PortalWait = {}): FetchLike {
  return egressFetch(env, "portal", { inner: portalBudgetedFetch(env, tenantId, inner ?? liveFetch, opts) });
}

const MIN_ASK_AGAIN_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A call's timeout counts from when it leaves, not from when it asked for its budget turn. */
const timedFromNow = (init?: FetchInit): FetchInit | undefined =>
  init?.timeoutMs === undefined ? init : { ...init, signal: AbortSignal.timeout(init.timeoutMs) };

/** The ConnectWise private key of a connection; throws when it cannot be opened where it is now pointed. */
export async function connectwisePrivateKey(env: Env, row: ConnectWiseRow): Promise<string> {
  const secrets = await openSecret(env, row.secretsCiphertext, bindings.connectwiseSecrets(row.tenantId, row.site, row.companyId), connectwiseSecrets);
  if (!secrets) throw unreadable();
  return secrets.privateKey;
}

/**
 * Outbound fetch for a tenant's ConnectWise: the egress policy first (nothing refused
 * reaches the budget), then the tenant's call budget, then the network.
 */
export async function connectwiseFetch(
  env: Env,
  row: Pick<ConnectWiseRow, "tenantId" | "site">,
  inner?: FetchLike,
  opts: { requestOrigin?: string; priority?: boolean } = {},
): Promise<FetchLike> {
  const target = await connectwiseTarget(env, row.tenantId, row.site);
  return egressFetch(env, "connectwise", {
    target,
    requestOrigin: opts.requestOrigin,
    inner: budgetedFetch(env, row.tenantId, inner ?? liveFetch, opts.priority),
  });
}

/** The ConnectWise client for a tenant; the codebase is looked up once and remembered. */
export async function connectwiseClientFor(env: Env, row: ConnectWiseRow, inner?: FetchLike, opts: { priority?: boolean } = {}): Promise<ConnectWiseClient> {
  const privateKey = await connectwisePrivateKey(env, row);
  const fetchImpl = await connectwiseFetch(env, row, inner, opts);
  let codebase = row.codebase;
  if (!codebase) {
    codebase = await lookupCodebase({ fetch: fetchImpl, site: row.site, companyId: row.companyId });
    await createDb(env.DB).update(connectwiseConnections).set({ codebase }).where(eq(connectwiseConnections.tenantId, row.tenantId));
  }
  return createConnectWiseClient({ fetch: fetchImpl, ...clientCredentials(row, privateKey, codebase) });
}

/** A stored connection's credentials as the ConnectWise client takes them (the private key opened, the codebase known). */
export const clientCredentials = (row: Pick<ConnectWiseRow, "site" | "companyId" | "publicKey" | "clientId">, privateKey: string, codebase: string) => ({
  site: row.site,
  companyId: row.companyId,
  publicKey: row.publicKey,
  privateKey,
  clientId: row.clientId,
  codebase,
});
