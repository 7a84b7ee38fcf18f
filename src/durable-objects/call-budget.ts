import { DurableObject } from "cloudflare:workers";
import { reserve, type CallLimit, type Reservation } from "../limits/call-budget";

/** One object per tenant: its ConnectWise call budget (limits/call-budget.ts). */
export function callBudgetStub(env: Env, tenantId: string) {
  return env.CALL_BUDGET.get(env.CALL_BUDGET.idFromName(`connectwise:${tenantId}`));
}

/**
 * Holds a tenant's one GCRA timestamp. Every ConnectWise client of the tenant, in any
 * invocation, reserves here before it calls, so concurrent ticket syncs share one cap.
 * The timestamp is persisted, so an evicted object does not hand out a fresh burst.
 */
export class CallBudget extends DurableObject<Env> {
  private tat: number | null = null;

  reserve(limit: CallLimit, maxWaitMs: number): Reservation {
    this.tat ??= this.ctx.storage.kv.get<number>("tat") ?? 0;
    const result = reserve(this.tat, Date.now(), limit, maxWaitMs);
    if (result.granted) {
      this.tat = result.tat;
      this.ctx.storage.kv.put("tat", result.tat);
    }
    return result;
  }
}
