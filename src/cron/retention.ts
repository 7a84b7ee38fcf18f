import type { Logger } from "../lib/log";

/** How long each kind of record is kept (days). */
export const WEBHOOK_DELIVERY_RETENTION_DAYS = 7;
export const TICKET_EVENT_RETENTION_DAYS = 180;
export const AUDIT_LOG_RETENTION_DAYS = 365;

/** Rows per DELETE statement: keeps each D1 statement's work (and its write lock) short. */
const RETENTION_BATCH = 5000;
/** Statements per table per day; what is left over goes the next day. */
const RETENTION_MAX_BATCHES = 40;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionCounts {
  webhookDeliveries: number;
  ticketEvents: number;
  sessions: number;
  auditLog: number;
  signInLinks: number;
}

interface Target {
  name: keyof RetentionCounts;
  /** Selects up to ?2 rowids of expired rows, oldest first, by the table's time index; ?1 is the cutoff. */
  select: string;
  cutoff: (now: number) => string;
}

const before = (days: number) => (now: number) => new Date(now - days * DAY_MS).toISOString();

// Each selection walks an index on the time column (webhook_deliveries_received_idx,
// ticket_events_at_idx, sessions_expires_idx, audit_log_at_idx); sign-in links are few.
const TARGETS: Target[] = [
  {
    name: "webhookDeliveries",
    select: "SELECT rowid FROM webhook_deliveries WHERE received_at < ?1 ORDER BY received_at LIMIT ?2",
    cutoff: before(WEBHOOK_DELIVERY_RETENTION_DAYS),
  },
  { name: "ticketEvents", select: "SELECT rowid FROM ticket_events WHERE at < ?1 ORDER BY at LIMIT ?2", cutoff: before(TICKET_EVENT_RETENTION_DAYS) },
  { name: "sessions", select: "SELECT rowid FROM sessions WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2", cutoff: (now) => new Date(now).toISOString() },
  { name: "auditLog", select: "SELECT rowid FROM audit_log WHERE at < ?1 ORDER BY at LIMIT ?2", cutoff: before(AUDIT_LOG_RETENTION_DAYS) },
  {
    name: "signInLinks",
    select: "SELECT rowid FROM sign_in_links WHERE used_at IS NOT NULL OR expires_at < ?1 LIMIT ?2",
    cutoff: (now) => new Date(now).toISOString(),
  },
];

const tableOf = (select: string) => /FROM (\w+)/.exec(select)![1]!;

/** Deletes one table's expired rows in bounded batches; returns how many went. */
async function prune(db: D1Database, target: Target, now: number, batch: number, maxBatches: number): Promise<number> {
  const statement = db.prepare(`DELETE FROM ${tableOf(target.select)} WHERE rowid IN (${target.select})`);
  const cutoff = target.cutoff(now);
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const { meta } = await statement.bind(cutoff, batch).run();
    total += meta.changes;
    if (meta.changes < batch) break;
  }
  return total;
}

/**
 * The daily retention job: drops delivery ids past their replay window, old timelines and
 * audit entries, expired sessions, and used or expired sign-in links.
 */
export async function pruneExpired(
  db: D1Database,
  logger: Logger,
  now = Date.now(),
  opts = { batch: RETENTION_BATCH, maxBatches: RETENTION_MAX_BATCHES },
): Promise<RetentionCounts> {
  const counts: RetentionCounts = { webhookDeliveries: 0, ticketEvents: 0, sessions: 0, auditLog: 0, signInLinks: 0 };
  for (const target of TARGETS) {
    counts[target.name] = await prune(db, target, now, opts.batch, opts.maxBatches);
    // Capped: the rest waits for tomorrow, and saying so shows a backlog building up.
    if (counts[target.name] === opts.batch * opts.maxBatches) logger.warn("retention.capped", { table: target.name, deleted: counts[target.name] });
  }
  logger.info("retention.pruned", { ...counts });
  return counts;
}
