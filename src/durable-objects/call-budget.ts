import { DurableObject } from "cloudflare:workers";
import { takeCall, type BudgetState, type CallLimit, type Turn } from "../limits/call-budget";

/**
 * Holds a tenant's two GCRA timestamps (the normal bucket and the push reserve). Every
 * ConnectWise client of the tenant, in any invocation, reserves here before it calls, so
 * concurrent ticket syncs share one cap. The timestamps are persisted, so an evicted
 * object does not hand out a fresh burst.
 */
export class CallBudget extends DurableObject<Env> {
  private state: BudgetState | null = null;

  reserve(limit: CallLimit, maxWaitMs: number, priority = false): Turn {
    const kv = this.ctx.storage.kv;
    this.state ??= { tat: kv.get<number>("tat") ?? 0, reserveTat: kv.get<number>("reserveTat") ?? 0 };
    const result = takeCall(this.state, Date.now(), limit, maxWaitMs, priority);
    if (result.granted) {
      if (result.state.tat !== this.state.tat) kv.put("tat", result.state.tat);
      if (result.state.reserveTat !== this.state.reserveTat) kv.put("reserveTat", result.state.reserveTat);
      this.state = result.state;
    }
    return result;
  }
}
