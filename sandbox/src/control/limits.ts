import { z } from "zod";
import type { Api } from "./faults";
import { decide, windowStart, type Verdict } from "./rate-window";

const perMinute = z.number().int().min(1).max(100_000);

/** `POST /_sandbox/limits` bodies: one API's budget per 60-second window. */
export const limitSchema = z.discriminatedUnion("api", [
  z
    .object({
      api: z.literal("zendesk"),
      /** The whole account's budget (Enterprise 700, High Volume add-on 2,500). */
      perMinute,
      /** Update Ticket (`PUT /api/v2/tickets/{id}`) per account; these calls count toward perMinute too. */
      updateTicketPerMinute: perMinute.default(100),
      /** The incremental exports (`/api/v2/incremental/...`) per account; optional, 10 when absent. */
      incrementalPerMinute: perMinute.optional(),
    })
    .strict(),
  z
    .object({
      api: z.literal("connectwise"),
      /** Per API member (public key): ConnectWise throttles each integration's member. */
      perMinute,
    })
    .strict(),
]);

export type Limit = z.infer<typeof limitSchema>;

/** The outcome for one API call: refused with a verdict, or admitted (with the account verdict for headers). */
export interface Admission {
  /** The budget that refused the call, if one did. */
  refusedBy: Verdict | null;
  /** Zendesk's account budget as seen by this call (for X-Rate-Limit headers); null when not limited. */
  account: Verdict | null;
}

const UPDATE_TICKET = /^\/zendesk\/api\/v2\/tickets\/[0-9]+(?:\.json)?$/;
const INCREMENTAL = "/zendesk/api/v2/incremental/";
/** Zendesk's incremental export endpoint limit per account. */
const INCREMENTAL_PER_MINUTE = 10;

/**
 * Which budgets a call spends. Zendesk: every `/api/v2` call spends the account budget
 * (OAuth sign-in pages and `/oauth/tokens` are not Support API calls and are not counted);
 * Update Ticket and the incremental exports also spend their endpoint budgets. ConnectWise: REST API calls spend their
 * API member's budget; calls without a member (the login/callback-key pages, no Basic auth)
 * are not counted.
 */
function bucketsOf(limit: Limit, method: string, pathname: string, caller: string | null): { bucket: string; limit: number }[] {
  if (limit.api === "zendesk") {
    if (!pathname.startsWith("/zendesk/api/v2/")) return [];
    const buckets = [{ bucket: "zendesk", limit: limit.perMinute }];
    if (method === "PUT" && UPDATE_TICKET.test(pathname)) buckets.push({ bucket: "zendesk:update_ticket", limit: limit.updateTicketPerMinute });
    if (pathname.startsWith(INCREMENTAL)) buckets.push({ bucket: "zendesk:incremental", limit: limit.incrementalPerMinute ?? INCREMENTAL_PER_MINUTE });
    return buckets;
  }
  if (!pathname.startsWith("/cw/v4_6_release/apis/3.0/") || caller === null) return [];
  return [{ bucket: `connectwise:${caller}`, limit: limit.perMinute }];
}

export function createLimitStore(sql: SqlStorage) {
  const read = (api: Api): Limit | null => {
    const row = sql.exec<{ config: string }>(`SELECT config FROM sandbox_limits WHERE api = ?`, api).toArray()[0];
    return row ? limitSchema.parse(JSON.parse(row.config)) : null;
  };

  return {
    migrate() {
      sql.exec(`CREATE TABLE IF NOT EXISTS sandbox_limits (api TEXT PRIMARY KEY, config TEXT NOT NULL)`);
      // One row per admitted call; kept in storage (not memory) so a restarted object keeps counting.
      sql.exec(`CREATE TABLE IF NOT EXISTS sandbox_rate_hits (bucket TEXT NOT NULL, at INTEGER NOT NULL)`);
      sql.exec(`CREATE INDEX IF NOT EXISTS sandbox_rate_hits_bucket_at ON sandbox_rate_hits (bucket, at)`);
    },
    /** Sets one API's limits; its calls already counted in the window stay counted. */
    set(limit: Limit) {
      sql.exec(
        `INSERT INTO sandbox_limits (api, config) VALUES (?, ?) ON CONFLICT (api) DO UPDATE SET config = excluded.config`,
        limit.api,
        JSON.stringify(limit),
      );
    },
    list(): Limit[] {
      return sql
        .exec<{ config: string }>(`SELECT config FROM sandbox_limits ORDER BY api DESC`)
        .toArray()
        .map((r) => limitSchema.parse(JSON.parse(r.config)));
    },
    /** Limits off and every window emptied. */
    clear() {
      sql.exec(`DELETE FROM sandbox_limits`);
      sql.exec(`DELETE FROM sandbox_rate_hits`);
    },
    /**
     * Counts one arriving call against its budgets. Admitted only when every budget has a
     * slot; then it takes a slot in each. A refused call takes none (see `decide`).
     */
    admit(api: Api, method: string, pathname: string, caller: string | null, now: Date): Admission {
      const limit = read(api);
      if (!limit) return { refusedBy: null, account: null };
      const at = now.getTime();
      const verdicts = bucketsOf(limit, method, pathname, caller).map(({ bucket, limit: max }) => {
        sql.exec(`DELETE FROM sandbox_rate_hits WHERE bucket = ? AND at <= ?`, bucket, windowStart(at));
        const hits = sql
          .exec<{ at: number }>(`SELECT at FROM sandbox_rate_hits WHERE bucket = ? ORDER BY at DESC LIMIT ?`, bucket, max)
          .toArray()
          .map((r) => r.at);
        return { bucket, verdict: decide(hits, max, at) };
      });
      if (verdicts.length === 0) return { refusedBy: null, account: null };
      const refused = verdicts.find((v) => !v.verdict.allowed)?.verdict ?? null;
      if (!refused) for (const { bucket } of verdicts) sql.exec(`INSERT INTO sandbox_rate_hits (bucket, at) VALUES (?, ?)`, bucket, at);
      const first = verdicts[0]!.verdict;
      // When another budget refused, this call took no account slot: report what is left untouched.
      const account = refused && first.allowed ? { ...first, remaining: first.remaining + 1 } : first;
      return { refusedBy: refused, account: api === "zendesk" ? account : null };
    },
  };
}

export type LimitStore = ReturnType<typeof createLimitStore>;
