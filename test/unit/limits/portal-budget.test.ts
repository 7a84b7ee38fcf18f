import { describe, expect, it } from "vitest";
import {
  accountBurst,
  accountPace,
  fairLevel,
  freshState,
  MAX_QUEUED_PER_TENANT,
  SLEEPER_GRACE_MS,
  isLow,
  lowRemainingPauseMs,
  pauseUntil,
  portalLimitVar,
  rateHeaders,
  shareOf,
  steadyCalls,
  takeTurn,
  type CallLimit,
  type PortalBudgetState,
} from "../../../src/limits/portal-budget";
import { busiestWindow } from "../../setup/windows";

const LIMIT: CallLimit = { calls: 600, windowMs: 60_000 };
const MAX_WAIT = 20_000;
const LATENCY = 200;
/** The client asks again no sooner than this after a refusal (for-tenant.ts). */
const ASK_AGAIN = 200;

interface Worker {
  tenant: string;
  /** Calls it still wants to make, one after another. */
  left: number;
  /** When it next asks. */
  at: number;
  /** When its current call first asked (the 20 s sleep limit counts from there). */
  since: number;
}

interface Started {
  tenant: string;
  at: number;
}

/**
 * Discrete-event run of the client loop (for-tenant.ts `portalBudgetedFetch`) against the
 * pure budget: each worker makes its calls in turn (LATENCY each), sleeps granted waits,
 * asks again after a share refusal, and is deferred (asks again after the wait) when the
 * wait is longer than it may sleep. Returns when each call started.
 */
function simulate(limit: CallLimit, workers: Worker[], untilMs: number, state: PortalBudgetState = freshState()): Started[] {
  const started: Started[] = [];
  for (;;) {
    const next = workers.filter((w) => w.left > 0 && w.at <= untilMs).sort((a, b) => a.at - b.at)[0];
    if (!next) return started;
    const now = next.at;
    const left = Math.max(0, next.since + MAX_WAIT - now);
    const turn = takeTurn(state, next.tenant, now, limit, left);
    if (turn.granted) {
      started.push({ tenant: next.tenant, at: now + turn.waitMs });
      next.left--;
      next.at = now + turn.waitMs + LATENCY;
      next.since = next.at;
    } else if (turn.waitMs > left) {
      // Deferred through the queue: a fresh attempt later, with a fresh sleep limit.
      next.at = now + turn.waitMs;
      next.since = next.at;
    } else {
      next.at = now + Math.max(ASK_AGAIN, turn.waitMs);
    }
  }
}

const workersOf = (tenant: string, count: number, calls: number, at = 0): Worker[] =>
  Array.from({ length: count }, () => ({ tenant, left: calls, at, since: at }));
const startsOf = (started: Started[], tenant: string) => started.filter((s) => s.tenant === tenant).map((s) => s.at);

describe("portal account budget: the cap", () => {
  it("never lets more than PORTAL_CALL_LIMIT through in any window, however many tenants crowd in", () => {
    for (const [busy, light] of [
      [25, 5],
      [50, 20],
      [1, 60],
    ] as const) {
      const workers = [...workersOf("busy", busy, 10_000), ...Array.from({ length: light }, (_, i) => workersOf(`t${i}`, 2, 10_000, i * 500)).flat()];
      const started = simulate(LIMIT, workers, 180_000);
      expect(
        busiestWindow(
          started.map((s) => s.at),
          LIMIT.windowMs,
        ),
      ).toBeLessThanOrEqual(600);
      // And it is used: at least the steady rate over the three minutes.
      expect(started.length).toBeGreaterThanOrEqual(3 * steadyCalls(LIMIT));
    }
  });

  it("a rested account lets a tenth of the cap go at once, then paces", () => {
    const state = freshState();
    for (let i = 0; i < accountBurst(LIMIT); i++) expect(takeTurn(state, "a", 1_000, LIMIT, 0)).toMatchObject({ granted: true, waitMs: 0 });
    expect(takeTurn(state, "a", 1_000, LIMIT, 0)).toMatchObject({ granted: false, reason: "account", waitMs: Math.ceil(accountPace(LIMIT).interval) });
    expect(takeTurn(state, "a", 1_000, LIMIT, MAX_WAIT)).toMatchObject({ granted: true, waitMs: Math.ceil(accountPace(LIMIT).interval) });
  });

  it("books nothing for a refused call", () => {
    const state = freshState();
    for (let i = 0; i < 100; i++) takeTurn(state, "a", 0, LIMIT, MAX_WAIT);
    const before = { tat: state.tat, a: [...state.tenants.get("a")!.starts] };
    const refused = takeTurn(state, "b", 0, LIMIT, 0);
    expect(refused).toMatchObject({ granted: false, reason: "account" });
    expect(state.tat).toBe(before.tat);
    expect(state.tenants.get("a")!.starts).toEqual(before.a);
    expect(state.tenants.get("b")!.starts).toEqual([]);
    const again = takeTurn(state, "b", 0, LIMIT, Number.MAX_SAFE_INTEGER);
    expect(again.granted && again.waitMs).toBe(refused.waitMs);
  });
});

describe("portal account budget: fair shares", () => {
  it("a 10,000-call backfill does not starve five small tenants arriving after it", () => {
    const small = ["s1", "s2", "s3", "s4", "s5"];
    const workers = [...workersOf("busy", 25, 10_000), ...small.flatMap((t) => workersOf(t, 1, 30, 30_000))];
    const started = simulate(LIMIT, workers, 300_000);
    for (const t of small) {
      const starts = startsOf(started, t);
      expect(starts).toHaveLength(30);
      // Their share with six active is 88 a minute; 30 calls, one at a time, take well under 30 s.
      // (Without shares each call would queue behind the backfill's reservations: ~20 s each.)
      expect(Math.max(...starts) - 30_000, t).toBeLessThan(30_000);
    }
    // The backfill keeps the rest: the account stays busy (work-conserving).
    const busy = startsOf(started, "busy");
    const total = started.filter((s) => s.at >= 60_000 && s.at < 240_000).length;
    expect(total).toBeGreaterThanOrEqual(3 * steadyCalls(LIMIT) - 3);
    expect(busy.length).toBeGreaterThan(started.length - 5 * 30 - 1);
  });

  it("each of n crowding tenants gets its share of the steady rate, within one burst", () => {
    const tenants = ["a", "b", "c", "d"];
    // Unequal crowds: 40, 10, 3 and 1 concurrent callers.
    const workers = [...workersOf("a", 40, 10_000), ...workersOf("b", 10, 10_000), ...workersOf("c", 3, 10_000), ...workersOf("d", 1, 10_000)];
    const started = simulate(LIMIT, workers, 240_000);
    const share = shareOf(LIMIT, tenants.length);
    for (const t of tenants) {
      const inMinutes2to4 = startsOf(started, t).filter((at) => at >= 120_000 && at < 240_000).length;
      // d's one caller makes at most 60 s / LATENCY = 300 a minute; every tenant gets at least its share.
      expect(inMinutes2to4, t).toBeGreaterThanOrEqual(2 * share - Math.floor(share / 4));
    }
  });

  it("a newcomer takes the free burst, then queues at most two calls; the busy tenant, over its share, is refused (booking nothing) and told when it is back within it", () => {
    const state = freshState();
    // "a" ran alone for a minute: 500 calls, one every 120 ms.
    for (let i = 0; i < 500; i++) expect(takeTurn(state, "a", i * 120, LIMIT, MAX_WAIT).granted).toBe(true);
    const now = 60_000;
    // "b" arrives with 70 callers at once.
    const b = Array.from({ length: 70 }, () => takeTurn(state, "b", now, LIMIT, MAX_WAIT));
    const free = b.filter((t) => t.granted && t.waitMs === 0).length;
    expect(free).toBeGreaterThan(50);
    const queued = b.filter((t) => t.granted && t.waitMs > 0);
    expect(queued).toHaveLength(MAX_QUEUED_PER_TENANT);
    expect(b.slice(0, free + 2).every((t) => t.granted)).toBe(true);
    // The rest are told to come back once b's queued calls have gone, each an interval after the one before.
    const rest = b.slice(free + 2);
    expect(rest.every((t) => !t.granted && t.reason === "share")).toBe(true);
    expect(rest[0]!.waitMs).toBe(Math.ceil(queued[1]!.waitMs + accountPace(LIMIT).interval));
    expect(Math.abs(rest[1]!.waitMs - rest[0]!.waitMs - accountPace(LIMIT).interval)).toBeLessThan(1);

    // "a" is over its water-filled share now (b keeps what it uses): refused, booking nothing,
    // told when enough of its calls have left the window to be back within it.
    const aStarts = [...state.tenants.get("a")!.starts];
    const tat = state.tat;
    const refused = takeTurn(state, "a", now, LIMIT, MAX_WAIT);
    expect(refused).toMatchObject({ granted: false, reason: "share", share: steadyCalls(LIMIT) - state.tenants.get("b")!.starts.length });
    expect(state.tenants.get("a")!.starts).toEqual(aStarts);
    expect(state.tat).toBe(tat);
    expect(refused.waitMs).toBe(Math.ceil(aStarts[aStarts.length - refused.share]! + LIMIT.windowMs - now));
  });

  it("a push sync's call is not held to its tenant's queue or share: it queues at the account pace instead of being refused", () => {
    const state = freshState();
    for (let i = 0; i < 500; i++) takeTurn(state, "a", i * 120, LIMIT, MAX_WAIT);
    const now = 60_000;
    // "b" takes the free burst and queues its two calls; its next normal call is refused.
    for (let i = 0; i < 70; i++) takeTurn(state, "b", now, LIMIT, MAX_WAIT);
    const normal = takeTurn(state, "b", now, LIMIT, MAX_WAIT);
    expect(normal).toMatchObject({ granted: false, reason: "share" });
    const accountWait = Math.ceil(Math.max(state.tat, now) - accountPace(LIMIT).tolerance - now - 1e-6);
    expect(accountWait).toBeGreaterThan(0);
    const push = takeTurn(state, "b", now, LIMIT, MAX_WAIT, undefined, true);
    expect(push).toMatchObject({ granted: true, waitMs: accountWait });
    expect(push.waitMs).toBeLessThan(normal.waitMs);
    // The account pace still binds it: the next push call waits one interval more.
    const next = takeTurn(state, "b", now, LIMIT, MAX_WAIT, undefined, true);
    expect(next.granted).toBe(true);
    expect(Math.abs(next.waitMs - accountWait - accountPace(LIMIT).interval)).toBeLessThan(1);
  });

  it("water-fills: light tenants keep what they use, the rest split what is left", () => {
    expect(fairLevel(529, [10, 20, 1000, 1000])).toBe(249);
    expect(fairLevel(529, [300, 300])).toBe(264);
    expect(fairLevel(529, [0])).toBe(529);
    expect(fairLevel(10, new Array<number>(50).fill(5))).toBe(1);
  });

  it("an idle tenant stops counting after a window, and the share grows back", () => {
    const state = freshState();
    takeTurn(state, "a", 0, LIMIT, MAX_WAIT);
    takeTurn(state, "b", 0, LIMIT, MAX_WAIT);
    expect(state.tenants.size).toBe(2);
    takeTurn(state, "a", 61_000, LIMIT, MAX_WAIT);
    expect([...state.tenants.keys()]).toEqual(["a"]);
  });
});

describe("portal account budget: adapting to the account", () => {
  it("a pause (429 Retry-After) holds every tenant until it ends, then resumes at the steady pace with no burst", () => {
    const state = freshState();
    pauseUntil(state, 5_000, LIMIT);
    const waits = ["a", "b", "c", "d"].map((t) => takeTurn(state, t, 0, LIMIT, MAX_WAIT));
    const interval = accountPace(LIMIT).interval;
    expect(waits.map((w) => w.granted && w.waitMs)).toEqual([
      5_000,
      Math.ceil(5_000 + interval),
      Math.ceil(5_000 + 2 * interval),
      Math.ceil(5_000 + 3 * interval),
    ]);
    // A call that may not sleep that long is refused (deferred), booking nothing.
    expect(takeTurn(state, "e", 0, LIMIT, 1_000)).toMatchObject({ granted: false, reason: "account" });
  });

  it("a shorter pause never shortens a longer one", () => {
    const state = freshState();
    pauseUntil(state, 30_000, LIMIT);
    pauseUntil(state, 2_000, LIMIT);
    expect(takeTurn(state, "a", 0, LIMIT, Number.MAX_SAFE_INTEGER)).toMatchObject({ granted: true, waitMs: 30_000 });
  });

  it("reads X-Rate-Limit and X-Rate-Limit-Remaining; 10% or less of the limit is low", () => {
    const h = (limit?: string, remaining?: string) =>
      new Headers({ ...(limit ? { "X-Rate-Limit": limit } : {}), ...(remaining ? { "X-Rate-Limit-Remaining": remaining } : {}) });
    expect(rateHeaders(h("700", "69"))).toEqual({ limit: 700, remaining: 69 });
    expect(isLow({ limit: 700, remaining: 70 })).toBe(true);
    expect(isLow({ limit: 700, remaining: 71 })).toBe(false);
    expect(rateHeaders(h("700"))).toBeNull();
    expect(rateHeaders(h(undefined, "5"))).toBeNull();
    expect(rateHeaders(h("lots", "5"))).toBeNull();
    expect(lowRemainingPauseMs(LIMIT)).toBe(15_000);
  });

  it("reads PORTAL_CALL_LIMIT as calls/seconds or off, and refuses anything else", () => {
    expect(portalLimitVar.parse("600/60")).toEqual({ calls: 600, windowMs: 60_000 });
    expect(portalLimitVar.parse("off")).toBeNull();
    for (const bad of ["600", "fast", "1/0x", "-1/60", ""]) expect(portalLimitVar.safeParse(bad).success).toBe(false);
  });

  it("figures at 600/60: a burst of 60, 529 a minute steady, at most 589 in any minute", () => {
    expect(accountBurst(LIMIT)).toBe(60);
    expect(steadyCalls(LIMIT)).toBe(529);
    expect(Math.round(accountPace(LIMIT).interval)).toBe(113);
    expect(shareOf(LIMIT, 6)).toBe(88);
  });
});

describe("portal account budget: sleepers (syncs that have already made calls)", () => {
  // 10 a minute: burst 1, steady 9, one grant every 6,667 ms; tenants "b", "c", "d" make one call each.
  const SMALL: CallLimit = { calls: 10, windowMs: 60_000 };
  const LONG = 120_000;
  const interval = accountPace(SMALL).interval;
  /** "a" has its first call out and two queued; "b", "c", "d" one queued each: the account is busy until 40 s. */
  function busy(): PortalBudgetState {
    const state = freshState();
    for (const t of ["a", "a", "a", "b", "c", "d"]) expect(takeTurn(state, t, 0, SMALL, LONG).granted).toBe(true);
    return state;
  }

  it("a refused sync that has spent calls sleeps (up to its longer wait) instead of being deferred; four per tenant, the fifth is deferred; nothing is booked", () => {
    const state = busy();
    const tat = state.tat;
    const starts = [...state.tenants.get("a")!.starts];
    // A call with nothing to lose, told to come back in 40 s, is deferred (over its 20 s).
    expect(takeTurn(state, "a", 0, SMALL, MAX_WAIT)).toMatchObject({ granted: false, reason: "share", waitMs: 40_000, defer: true });
    const sleepers = ["s1", "s2", "s3", "s4", "s5"].map((id) => takeTurn(state, "a", 0, SMALL, MAX_WAIT, { id, maxWaitMs: LONG }));
    // Each is told a later time, an interval apart (no herd); the first four sleep through it.
    expect(sleepers.map((t) => !t.granted && t.defer)).toEqual([false, false, false, false, true]);
    expect(sleepers.map((t) => t.waitMs)).toEqual([1, 2, 3, 4, 5].map((k) => Math.ceil(40_000 + k * interval)));
    expect([...state.tenants.get("a")!.sleepers.keys()]).toEqual(["s1", "s2", "s3", "s4"]);
    expect(state.tat).toBe(tat);
    expect(state.tenants.get("a")!.starts).toEqual(starts);
    // A counted sleeper asking again is still one of the four.
    expect(takeTurn(state, "a", 1_000, SMALL, MAX_WAIT, { id: "s1", maxWaitMs: LONG - 1_000 })).toMatchObject({ granted: false, defer: false });
    // One told to wait longer than it may (its two minutes are nearly up) gives its place back.
    expect(takeTurn(state, "a", 2_000, SMALL, MAX_WAIT, { id: "s2", maxWaitMs: 10_000 })).toMatchObject({ granted: false, defer: true });
    expect([...state.tenants.get("a")!.sleepers.keys()].sort()).toEqual(["s1", "s3", "s4"]);
  });

  it("a sleeper that never asks again stops counting SLEEPER_GRACE_MS after it was due", () => {
    const state = busy();
    const turn = takeTurn(state, "a", 0, SMALL, MAX_WAIT, { id: "s1", maxWaitMs: LONG });
    expect(turn).toMatchObject({ granted: false, defer: false });
    takeTurn(state, "a", turn.waitMs + SLEEPER_GRACE_MS - 1, SMALL, MAX_WAIT);
    expect(state.tenants.get("a")!.sleepers.size).toBe(1);
    takeTurn(state, "a", turn.waitMs + SLEEPER_GRACE_MS, SMALL, MAX_WAIT);
    expect(state.tenants.get("a")!.sleepers.size).toBe(0);
  });

  it("within its tenant, a call with nothing to lose leaves the share's turns to the sleepers; other tenants are not affected", () => {
    const state = busy();
    for (const id of ["s1", "s2", "s3", "s4"]) expect(takeTurn(state, "a", 0, SMALL, MAX_WAIT, { id, maxWaitMs: LONG })).toMatchObject({ defer: false });
    // At 20 s a's three calls have gone; its share is 6 (b, c, d use one each). Counting its
    // four sleepers it holds 7: a fresh call is refused until a's first call leaves the window (and the sleepers have asked).
    const now = 20_001;
    const fresh = takeTurn(state, "a", now, SMALL, MAX_WAIT);
    expect(fresh).toMatchObject({ granted: false, reason: "share", share: 6, defer: true });
    expect(fresh.waitMs).toBe(Math.ceil(40_000 + 4 * interval - now));
    // A sleeper asking now queues at once, as the fresh call would have without sleepers ahead of it.
    expect(takeTurn(state, "a", now, SMALL, MAX_WAIT, { id: "s1", maxWaitMs: LONG - now })).toMatchObject({
      granted: true,
      waitMs: Math.ceil(6 * interval - now),
    });
    expect(state.tenants.get("a")!.sleepers.size).toBe(3);
    // Another tenant's call is judged on its own use: "b" queues as before.
    expect(takeTurn(state, "b", now, SMALL, LONG)).toMatchObject({ granted: true, waitMs: Math.ceil(7 * interval - now) });
  });
});
