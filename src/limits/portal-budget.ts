import { z } from "zod";
import type { CallLimit } from "./call-budget";

/**
 * One call budget for the whole Support Portal account, shared fairly by the tenants.
 *
 * The portal is ONE Zendesk account: every tenant's calls, whatever its token, and the
 * vendor's own agents and apps draw on its single per-minute limit. So PORTAL_CALL_LIMIT
 * (e.g. 600/60 under Enterprise's 700/min) is one budget for the deployment, kept by one
 * PortalBudget Durable Object. Pure: the object keeps the state, this module decides.
 *
 * Cap (the account pace). A GCRA like the ConnectWise cap (call-budget.ts), with a burst of
 * a tenth of the cap instead of half (a shared account spends most of its time paced):
 * grants never come closer than `interval`, except for a burst of `burst` calls. In any
 * window W at most burst + W / interval = calls - slack + 1 ≤ calls leave; the 2% slack
 * absorbs the difference between when the budget lets a call go and when Zendesk counts it.
 * Steady throughput `steady` = calls - burst - slack + 1 per window (529 at 600/60).
 *
 * Fairness (per-tenant share). With n tenants active (asked within the last window), each
 * tenant's share is S = max(1, floor(steady / n)) calls per window, measured by a per-tenant
 * GCRA (burst a quarter of S, at most S per window). A call within the tenant's share queues
 * at the account pace (it may be told to wait). A call over the share is granted only when
 * the account could grant a call at once (no wait); otherwise it is refused and asks again
 * later, without being booked anywhere. Hence:
 *  - the shares add up to at most `steady` (while n ≤ steady), so calls within their shares
 *    never arrive faster than the account serves them: a within-share call waits at most
 *    for the other tenants' bursts, never for a busy tenant's backlog;
 *  - an over-share call never queues ahead of anyone: it takes only a slot the account had
 *    free that instant, so it delays the next within-share call by at most one interval;
 *  - the budget is still work-conserving: a busy tenant (a 10,000-ticket backfill) alone
 *    gets the whole account, and beside others it keeps their shares plus whatever they
 *    leave unused. A tenant is starved only if it is itself over its share.
 * A tenant's GCRA timestamp is capped one window ahead, so a tenant that used spare
 * capacity is back within its share after at most a window.
 *
 * Adapting to the account (Zendesk's X-Rate-Limit / X-Rate-Limit-Remaining, and 429s). The
 * vendor's own use drains the same account. A response reporting at most 10% of the
 * account's limit remaining pauses the budget for a quarter window (15 s at 60 s): by then
 * the upstream window has moved on, and the next response reports again. A 429 pauses it
 * for the Retry-After (a window when absent). A pause holds every tenant, not just the
 * caller, and calls resume at the steady pace after it, with no burst.
 *
 * Hot spot: every portal call of the deployment asks this one object first, so it sees at
 * most the cap's rate in grants (600/60 = 10/s), plus refused asks and reports: tens of
 * requests per second, well within one Durable Object (~1,000/s of small in-memory work).
 */

export type { CallLimit };

/** PORTAL_CALL_LIMIT: "calls/seconds" (e.g. "600/60"), or "off". */
export const portalLimitVar = z
  .string()
  .trim()
  .regex(/^(off|\d+\/\d+)$/, 'PORTAL_CALL_LIMIT must be "calls/seconds" (e.g. 600/60) or "off"')
  .transform((v): CallLimit | null => {
    if (v === "off") return null;
    const [calls, seconds] = v.split("/").map(Number) as [number, number];
    return calls > 0 && seconds > 0 ? { calls, windowMs: seconds * 1000 } : null;
  });

/** A response reporting this share of the account's limit or less remaining pauses the budget. */
export const LOW_REMAINING_FRACTION = 0.1;

export interface Pace {
  /** Time between grants once the burst is spent. */
  interval: number;
  /** How far ahead of now the timestamp may run before a call must wait: (burst - 1) × interval. */
  tolerance: number;
}

function paceOf(calls: number, windowMs: number, burst: number, slack: number): Pace {
  const interval = windowMs / Math.max(1, calls - burst - slack + 1);
  return { interval, tolerance: (burst - 1) * interval };
}

export function accountBurst(limit: CallLimit): number {
  return Math.max(1, Math.floor(limit.calls / 10));
}

function accountSlack(limit: CallLimit): number {
  return Math.ceil(limit.calls / 50);
}

export function accountPace(limit: CallLimit): Pace {
  return paceOf(limit.calls, limit.windowMs, accountBurst(limit), accountSlack(limit));
}

/** Calls per window the account sustains once its burst is spent. */
export function steadyCalls(limit: CallLimit): number {
  return Math.max(1, limit.calls - accountBurst(limit) - accountSlack(limit) + 1);
}

/** A tenant's share of the steady rate, per window, with `active` tenants asking. */
export function shareOf(limit: CallLimit, active: number): number {
  return Math.max(1, Math.floor(steadyCalls(limit) / Math.max(1, active)));
}

/** The per-tenant GCRA of a share: a quarter at once, and at most `share` calls in any window. */
export function tenantPace(limit: CallLimit, share: number): Pace {
  return paceOf(share, limit.windowMs, Math.max(1, Math.floor(share / 4)), 1);
}

export interface TenantState {
  tat: number;
  lastAskedAt: number;
}

export interface PortalBudgetState {
  /** The account's theoretical arrival time (0 when fresh). */
  tat: number;
  tenants: Map<string, TenantState>;
}

export const freshState = (tat = 0): PortalBudgetState => ({ tat, tenants: new Map() });

export type Turn =
  | { granted: true; waitMs: number; share: number; overShare: boolean }
  /** Nothing was booked; ask again after `waitMs` (or defer the work when that is too long). */
  | { granted: false; waitMs: number; share: number; reason: "share" | "account" };

const waitFor = (tat: number, pace: Pace, now: number) => Math.max(0, Math.ceil(Math.max(tat, now) - pace.tolerance - now - 1e-6));

/**
 * One call of `tenantId` at `now`. Mutates `state` only when granting (and to note the tenant
 * as active). Granted: the call may start after `waitMs`. Refused when over the share while
 * the account is busy, or when the account wait exceeds `maxWaitMs`.
 */
export function takeTurn(state: PortalBudgetState, tenantId: string, now: number, limit: CallLimit, maxWaitMs: number): Turn {
  for (const [id, t] of state.tenants) if (t.lastAskedAt <= now - limit.windowMs && id !== tenantId) state.tenants.delete(id);
  const tenant = state.tenants.get(tenantId) ?? { tat: 0, lastAskedAt: now };
  tenant.lastAskedAt = now;
  state.tenants.set(tenantId, tenant);

  const share = shareOf(limit, state.tenants.size);
  const own = tenantPace(limit, share);
  const account = accountPace(limit);
  const accountWait = waitFor(state.tat, account, now);
  const shareWait = waitFor(tenant.tat, own, now);
  const overShare = shareWait > 0;
  if (overShare && accountWait > 0) return { granted: false, waitMs: Math.max(shareWait, accountWait), share, reason: "share" };
  if (accountWait > maxWaitMs) return { granted: false, waitMs: accountWait, share, reason: "account" };

  state.tat = Math.max(state.tat, now) + account.interval;
  // Capped a window ahead: spare capacity used now costs the tenant at most a window of priority later.
  tenant.tat = Math.min(Math.max(tenant.tat, now) + own.interval, now + limit.windowMs + own.tolerance);
  return { granted: true, waitMs: accountWait, share, overShare };
}

/**
 * Holds every grant until `until`, then resumes at the steady pace (no burst): the account
 * timestamp moves so the first call after the pause waits exactly until then.
 */
export function pauseUntil(state: PortalBudgetState, until: number, limit: CallLimit): void {
  state.tat = Math.max(state.tat, until + accountPace(limit).tolerance);
}

/** What a portal response says of the account's remaining budget (null when it says nothing usable). */
export function rateHeaders(headers: Headers): { limit: number; remaining: number } | null {
  const limit = Number(headers.get("x-rate-limit") ?? NaN);
  const remaining = Number(headers.get("x-rate-limit-remaining") ?? NaN);
  if (!Number.isFinite(limit) || !Number.isFinite(remaining) || limit <= 0 || remaining < 0) return null;
  return { limit, remaining };
}

/** True when the account has at most LOW_REMAINING_FRACTION of its limit left. */
export function isLow(report: { limit: number; remaining: number }): boolean {
  return report.remaining <= report.limit * LOW_REMAINING_FRACTION;
}

/** How long a low-remaining report pauses the budget: a quarter window. */
export function lowRemainingPauseMs(limit: CallLimit): number {
  return Math.ceil(limit.windowMs / 4);
}
