import type { z } from "zod";
import type { Db } from "../../db/client";
import type { Seek } from "../../db/queries/keyset";
import { listFailures } from "./queries/failures";
import { searchTicketLinks } from "./queries/tickets";
import type { CsvCell } from "../../lib/csv";
import { describeStoredMessage, ticketFilter } from "./service";
import type { failuresQuery, TicketsQuery } from "./params";

/**
 * The CSV downloads of the tickets and failures pages: every row the page's filter matches
 * (not only one page), read in keyset chunks so memory and each query stay bounded.
 */

/** Rows per query: 1,000 queries (a Worker's limit) then cover a million rows. */
const EXPORT_CHUNK = 1000;

async function* keysetChunks<T>(read: (seek: Seek | null, limit: number) => Promise<T[]>, keyOf: (row: T) => (string | number)[]) {
  let seek: Seek | null = null;
  for (;;) {
    const rows = await read(seek, EXPORT_CHUNK);
    if (rows.length > 0) yield rows;
    const last = rows[rows.length - 1];
    if (!last || rows.length < EXPORT_CHUNK) return;
    seek = { key: keyOf(last), newer: false };
  }
}

export const TICKETS_CSV_HEADER = ["portal_ticket_id", "connectwise_ticket_id", "summary", "state", "warnings", "last_synced_at"];

export async function* ticketsCsvRows(db: Db, tenantId: string, query: TicketsQuery): AsyncGenerator<CsvCell[][]> {
  const filter = ticketFilter(query);
  for await (const rows of keysetChunks(
    (seek, limit) => searchTicketLinks(db, tenantId, filter, seek, limit),
    (r) => [r.updatedAt, r.id],
  ))
    yield rows.map((t) => [t.portalTicketId, t.cwTicketId, t.summary, t.state, t.warnings.map((w) => w.message).join(" | "), t.lastSyncedAt]);
}

export const FAILURES_CSV_HEADER = ["id", "created_at", "queue", "message", "portal_ticket_id", "reason", "attempts", "replay_state", "replayed_at"];

/** What each failure is about, never its stored message body. */
export async function* failuresCsvRows(db: Db, tenantId: string, query: z.infer<typeof failuresQuery>): AsyncGenerator<CsvCell[][]> {
  for await (const rows of keysetChunks(
    (seek, limit) => listFailures(db, tenantId, query.state, seek, limit),
    (r) => [r.id],
  ))
    yield rows.map((f) => {
      const message = describeStoredMessage(f.body);
      return [f.id, f.createdAt, f.queue, message.kind, message.portalTicketId, f.reason, f.attempts, f.replayState, f.replayedAt];
    });
}
