import { DurableObject } from "cloudflare:workers";
import { exhausted, hit, type RateRule, type Verdict, type Window } from "../limits/rate-limit";

/** Counts hits of one key; persisted so an evicted object does not forget a lock. */
export class RateLimiter extends DurableObject<Env> {
  private window: Window | null | undefined;

  private load(): Window | null {
    this.window ??= this.ctx.storage.kv.get<Window>("window") ?? null;
    return this.window;
  }

  /** Counts one hit and says whether it is within the rule. */
  take(rule: RateRule): Verdict {
    const verdict = hit(this.load(), Date.now(), rule);
    if (verdict.allowed) {
      this.window = verdict.window;
      this.ctx.storage.kv.put("window", verdict.window);
    }
    return verdict;
  }

  /** Seconds until the key may be used again, or null when it may be now (counts nothing). */
  blockedFor(rule: RateRule): number | null {
    return exhausted(this.load(), Date.now(), rule);
  }

  /** Forgets the key's hits (e.g. an account's failures after a successful sign-in). */
  clear(): void {
    this.window = null;
    this.ctx.storage.kv.delete("window");
  }
}
