import { DurableObject } from "cloudflare:workers";
import {
  freshState,
  isLow,
  lowRemainingPauseMs,
  pauseUntil,
  takeTurn,
  type CallLimit,
  type PortalBudgetState,
  type Sleeper,
  type Turn,
} from "../limits/portal-budget";
import { log } from "../lib/log";

/**
 * The portal account's budget: every portal call of every tenant asks here first. Only the
 * account timestamp is persisted (an evicted object must not hand out a fresh burst, nor
 * forget a pause); the tenants' shares live in memory, and after an eviction each starts
 * afresh, which costs at most one window of fairness, never the cap.
 */
export class PortalBudget extends DurableObject<Env> {
  private state: PortalBudgetState | null = null;

  private load(): PortalBudgetState {
    this.state ??= freshState(this.ctx.storage.kv.get<number>("tat") ?? 0);
    return this.state;
  }

  private save(before: number): void {
    const state = this.load();
    if (state.tat !== before) this.ctx.storage.kv.put("tat", state.tat);
  }

  take(tenantId: string, limit: CallLimit, maxWaitMs: number, sleeper?: Sleeper, priority = false): Turn {
    const state = this.load();
    const before = state.tat;
    const turn = takeTurn(state, tenantId, Date.now(), limit, maxWaitMs, sleeper, priority);
    this.save(before);
    return turn;
  }

  /** The portal answered 429: nobody calls until `retryAfterMs` from now. */
  rateLimited(tenantId: string, limit: CallLimit, retryAfterMs: number): void {
    const state = this.load();
    const before = state.tat;
    pauseUntil(state, Date.now() + retryAfterMs, limit);
    this.save(before);
    log.warn("portal_budget.paused", { tenant: tenantId, reason: "429", ms: retryAfterMs });
  }

  /** A response reported the account's remaining budget; a low one pauses everyone. */
  remaining(tenantId: string, limit: CallLimit, report: { limit: number; remaining: number }): void {
    if (!isLow(report)) return;
    const state = this.load();
    const before = state.tat;
    const ms = lowRemainingPauseMs(limit);
    pauseUntil(state, Date.now() + ms, limit);
    this.save(before);
    if (state.tat !== before)
      log.warn("portal_budget.paused", { tenant: tenantId, reason: "low_remaining", remaining: report.remaining, accountLimit: report.limit, ms });
  }
}
