import { limitVar, type CallLimit } from "./call-budget";

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
 * Fairness (max-min fair shares, and a short queue). The object remembers when each
 * tenant's calls of the last window start (at most the cap's worth in all). The fair level
 * L is found by water-filling the steady rate over the active tenants (a call or an ask in
 * the last window): tenants using less than an equal split keep what they use, the rest
 * split what is left equally. A call may queue at the account (be told to wait) only if
 * its tenant has started fewer than L calls in the last window and has fewer than two
 * calls already queued. Any other call is granted only when the account could grant one at
 * once; otherwise it is refused, books nothing, and is told when to ask again: when enough
 * of its calls have aged out of the window, or its first queued call has gone, with the
 * tenant's waiting callers given successive times an interval apart (no polling, no herd).
 * Hence:
 *  - the queue holds at most two calls per active tenant, so a call waits at most 2n
 *    intervals (n active tenants; 1.4 s for 6 tenants at 600/60), however many callers a
 *    busy tenant has: nobody waits behind a backfill's backlog;
 *  - a call granted without queueing takes only a slot the account had free that instant,
 *    so it delays the next queued call by at most one interval;
 *  - it is work-conserving: a busy tenant (a 10,000-ticket backfill) alone may use the
 *    whole steady rate, and beside others it gets whatever they leave;
 *  - with n active tenants each gets at least min(its demand, steady / n) calls a window
 *    (for n ≤ steady; beyond that everyone gets one call a window and the pace binds).
 * Shares follow usage within a window, since usage is measured over the last window.
 *
 * Sleepers (a ticket sync that has already made calls). Refused, it would be deferred and
 * start over, repeating its reads exactly when the budget is scarce; instead up to
 * MAX_SLEEPERS_PER_TENANT of a tenant's syncs may sleep until they are told to ask again
 * (a longer wait, chosen by the caller). A sleeper books nothing while it sleeps and asks
 * within its tenant's share like any call, so other tenants lose nothing; within the tenant,
 * a call with nothing to lose leaves the share's next turns to the sleepers (it counts them
 * as used) and is deferred instead. A sleeper that never asks again (it died) drops out
 * SLEEPER_GRACE_MS after it was due.
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
export const portalLimitVar = limitVar("PORTAL_CALL_LIMIT", "600/60");

/** A response reporting this share of the account's limit or less remaining pauses the budget. */
const LOW_REMAINING_FRACTION = 0.1;

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

/** A tenant's share of the steady rate, per window, with `active` tenants all wanting more. */
export function shareOf(limit: CallLimit, active: number): number {
  return fairLevel(steadyCalls(limit), new Array<number>(Math.max(1, active)).fill(Number.MAX_SAFE_INTEGER));
}

/**
 * The max-min fair level: `capacity` water-filled over tenants using `usages` — those below
 * an equal split of what is left keep their usage, the rest share the remainder equally.
 */
export function fairLevel(capacity: number, usages: number[]): number {
  const sorted = [...usages].sort((a, b) => a - b);
  let left = capacity;
  let k = sorted.length;
  for (const u of sorted) {
    if (k <= 1 || u >= left / k) break;
    left -= u;
    k--;
  }
  return Math.max(1, Math.floor(left / Math.max(1, k)));
}

interface TenantState {
  /** When its calls of the last window start (ascending; queued ones in the future). */
  starts: number[];
  lastAskedAt: number;
  /** The next retry time to hand out when refusing it: its waiting callers come back one at a time, not as a herd. */
  nextAskAt: number;
  /** Its sleeping syncs: id → when it stops counting unless it asks again. */
  sleepers: Map<string, number>;
}

export interface PortalBudgetState {
  /** The account's theoretical arrival time (0 when fresh). */
  tat: number;
  tenants: Map<string, TenantState>;
}

export const freshState = (tat = 0): PortalBudgetState => ({ tat, tenants: new Map() });

export type Turn =
  | { granted: true; waitMs: number; share: number; overShare: boolean }
  /** Nothing was booked; ask again after `waitMs`, or, when `defer`, give the work back to the queue (that wait is too long). */
  | { granted: false; waitMs: number; share: number; reason: "share" | "account"; defer: boolean };

/** A call of a ticket sync that has already made calls: it may sleep up to `maxWaitMs` if admitted as one of its tenant's sleepers. */
export interface Sleeper {
  id: string;
  maxWaitMs: number;
}

/** Calls of one tenant that may wait at the account at once: the queue holds at most two per active tenant. */
export const MAX_QUEUED_PER_TENANT = 2;
/** Syncs of one tenant that may sleep through a busy budget at once; beyond that they are deferred as before. */
const MAX_SLEEPERS_PER_TENANT = 4;
/** A sleeper not back this long after it was told to ask again has died (or been deferred): it stops counting. */
export const SLEEPER_GRACE_MS = 5_000;

const waitFor = (tat: number, pace: Pace, now: number) => Math.max(0, Math.ceil(Math.max(tat, now) - pace.tolerance - now - 1e-6));

/**
 * One call of `tenantId` at `now`. Books only when granting (and notes the tenant as
 * active). Granted: the call may start after `waitMs`. Refused when over the share while
 * the account is busy, or when the account wait exceeds what the call may wait:
 * `maxWaitMs`, or `sleeper.maxWaitMs` for a sleeper admitted (or already counted). A push
 * sync's call (`priority`) is not held to its tenant's share or queue: it queues at the
 * account pace, so a request filed during its tenant's backfill is not sent after it.
 */
export function takeTurn(
  state: PortalBudgetState,
  tenantId: string,
  now: number,
  limit: CallLimit,
  maxWaitMs: number,
  sleeper?: Sleeper,
  priority = false,
): Turn {
  const since = now - limit.windowMs;
  for (const [id, t] of state.tenants) {
    let aged = 0;
    while (aged < t.starts.length && t.starts[aged]! <= since) aged++;
    if (aged) t.starts.splice(0, aged);
    if (t.starts.length === 0 && t.lastAskedAt <= since && id !== tenantId) state.tenants.delete(id);
  }
  const tenant = state.tenants.get(tenantId) ?? { starts: [], lastAskedAt: now, nextAskAt: 0, sleepers: new Map<string, number>() };
  tenant.lastAskedAt = now;
  state.tenants.set(tenantId, tenant);
  for (const [id, until] of tenant.sleepers) if (until <= now) tenant.sleepers.delete(id);
  const asleep = sleeper !== undefined && (tenant.sleepers.has(sleeper.id) || tenant.sleepers.size < MAX_SLEEPERS_PER_TENANT);
  const mayWait = asleep ? sleeper.maxWaitMs : maxWaitMs;
  // Any outcome but a wait it may sleep through ends this sleeper's claim.
  if (sleeper) tenant.sleepers.delete(sleeper.id);

  const share = fairLevel(
    steadyCalls(limit),
    [...state.tenants.values()].map((t) => t.starts.length),
  );
  const used = tenant.starts.length;
  // A call with nothing to lose counts the tenant's sleepers as used: their turns come first.
  const held = used + (asleep ? 0 : tenant.sleepers.size);
  let queued = 0;
  while (queued < used && tenant.starts[used - 1 - queued]! > now) queued++;
  const account = accountPace(limit);
  const accountWait = waitFor(state.tat, account, now);
  const overShare = used >= share;
  if (!priority && (held >= share || queued >= MAX_QUEUED_PER_TENANT) && accountWait > 0) {
    // Back when enough of its calls have left the window (over the share; a window when
    // even that is not enough for the sleepers ahead), or when its first queued call goes.
    const out = held - share;
    const back = Math.max(
      now + accountWait,
      held >= share ? (out < used ? tenant.starts[out]! : now) + limit.windowMs : 0,
      queued >= MAX_QUEUED_PER_TENANT ? tenant.starts[used - queued]! : 0,
      tenant.nextAskAt,
    );
    tenant.nextAskAt = back + account.interval;
    const waitMs = Math.ceil(back - now);
    const defer = waitMs > mayWait;
    if (asleep && !defer) tenant.sleepers.set(sleeper.id, back + SLEEPER_GRACE_MS);
    return { granted: false, waitMs, share, reason: "share", defer };
  }
  if (accountWait > mayWait) return { granted: false, waitMs: accountWait, share, reason: "account", defer: true };

  state.tat = Math.max(state.tat, now) + account.interval;
  tenant.starts.push(now + accountWait);
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
