import { z } from "zod";

/** "endless": list responses always say there is a next page (a paging bug upstream). */
const FAULT_KINDS = ["429", "500", "502", "503", "slow", "hang", "drop", "truncate", "endless"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type Api = "connectwise" | "zendesk";

export const faultRuleSchema = z
  .object({
    api: z.enum(["connectwise", "zendesk"]),
    rate: z.number().min(0).max(1),
    kinds: z.array(z.enum(FAULT_KINDS)).min(1),
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
    /** Send that Retry-After with a 503 too (a service down for maintenance says when to come back). */
    retryAfterOn503: z.boolean().default(false),
    /** Delay of a "slow" response, ms. */
    slowMs: z.number().int().min(0).max(60_000).default(2_000),
    /** How long a "hang" holds the request before giving up with 504, ms. */
    hangMs: z.number().int().min(0).max(300_000).default(60_000),
    /** Only requests whose path contains this string (e.g. "/notes"). */
    pathContains: z.string().max(200).optional(),
    /** Only requests whose path matches this regular expression (e.g. "/service/tickets/42$": that ticket, not 420). */
    pathPattern: z
      .string()
      .max(200)
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, "pathPattern must be a valid regular expression")
      .optional(),
    /** Only this HTTP method. */
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).optional(),
    /** Seed for a reproducible fault sequence. */
    seed: z.number().int().optional(),
  })
  .strict();

export type FaultRule = z.infer<typeof faultRuleSchema> & { id: number; draws: number };

/** mulberry32: a tiny PRNG so a seeded rule gives the same faults every run. */
function seededRandom(seed: number, draw: number): number {
  let t = (seed + draw * 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function createFaultStore(sql: SqlStorage) {
  return {
    migrate() {
      sql.exec(`CREATE TABLE IF NOT EXISTS sandbox_faults (id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, draws INTEGER NOT NULL DEFAULT 0)`);
    },
    add(rule: z.infer<typeof faultRuleSchema>): number {
      const row = sql.exec<{ id: number }>(`INSERT INTO sandbox_faults (rule) VALUES (?) RETURNING id`, JSON.stringify(rule)).one();
      return row.id;
    },
    clear() {
      sql.exec(`DELETE FROM sandbox_faults`);
    },
    list(): FaultRule[] {
      return sql
        .exec<{ id: number; rule: string; draws: number }>(`SELECT id, rule, draws FROM sandbox_faults ORDER BY id`)
        .toArray()
        .map((r) => ({ ...faultRuleSchema.parse(JSON.parse(r.rule)), id: r.id, draws: r.draws }));
    },
    /** Picks the fault (if any) for this request; advances seeded rules' draw counters. */
    pick(api: Api, method: string, path: string): { kind: FaultKind; rule: FaultRule } | null {
      for (const rule of this.list()) {
        if (rule.api !== api) continue;
        if (rule.method && rule.method !== method) continue;
        if (rule.pathContains && !path.includes(rule.pathContains)) continue;
        if (rule.pathPattern && !new RegExp(rule.pathPattern).test(path)) continue;
        const draw = rule.draws;
        sql.exec(`UPDATE sandbox_faults SET draws = draws + 2 WHERE id = ?`, rule.id);
        const roll = rule.seed === undefined ? Math.random() : seededRandom(rule.seed, draw);
        if (roll >= rule.rate) continue;
        const pickRoll = rule.seed === undefined ? Math.random() : seededRandom(rule.seed, draw + 1);
        const kind = rule.kinds[Math.floor(pickRoll * rule.kinds.length)] ?? rule.kinds[0]!;
        return { kind, rule };
      }
      return null;
    },
  };
}

export type FaultStore = ReturnType<typeof createFaultStore>;
