import { Hono } from "hono";
import { z } from "zod";
import { refuse, type ZdEnv } from "./auth";
import { zdError } from "./errors";
import { apiRoot, presentTicket, withJson } from "./present";
import type { Store, TicketRow } from "./store";

/** Zendesk leaves out what changed in the last minute (its export is eventually consistent). */
const EXCLUDED_MS = 60_000;
const MAX_PER_PAGE = 1000;

export const INCREMENTAL_TABLES = ["zd_export_clock"] as const;

/** A position in the export: tickets after (updated_at, id). */
type Position = { at: number; id: number };

/** Zendesk's cursors look like base64("1576613539.0||467|"): the update time and the ticket id. */
const encodeCursor = (p: Position) => btoa(`${p.at}.0||${p.id}|`);
function decodeCursor(cursor: string): Position | null {
  try {
    const m = atob(cursor).match(/^(\d+)\.0\|\|(\d+)\|$/);
    return m ? { at: Number(m[1]), id: Number(m[2]) } : null;
  } catch {
    return null;
  }
}

const query = z.object({
  start_time: z.coerce.number().int().min(0).optional(),
  cursor: z.string().min(1).max(200).optional(),
  per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(MAX_PER_PAGE),
});

const unixSeconds = (t: TicketRow) => Math.floor(Date.parse(t.updated_at) / 1000);
const after = (t: TicketRow, p: Position) => unixSeconds(t) > p.at || (unixSeconds(t) === p.at && t.id > p.id);

/**
 * `GET /api/v2/incremental/tickets/cursor.json` (admins only): tickets in update order from
 * `start_time` (first call) or `cursor` (every later one), leaving out the last minute's.
 * `aheadSeconds` (a sandbox control, default 0) answers as if asked that much later, so
 * tests need not wait out the minute; nothing else's clock moves.
 */
export function createIncrementalRoutes(deps: { sql: SqlStorage; store: Store; now(): Date }) {
  const { sql } = deps;
  const aheadMs = () => (sql.exec<{ ahead_s: number }>(`SELECT ahead_s FROM zd_export_clock`).toArray()[0]?.ahead_s ?? 0) * 1000;
  const app = new Hono<ZdEnv>();

  app.on("GET", withJson("/incremental/tickets/cursor"), (c) => {
    if (c.get("user").role !== "admin") return refuse(c.req.raw, zdError.forbidden());
    const parsed = query.safeParse(c.req.query());
    if (!parsed.success) return zdError.badRequest("InvalidValue", "Invalid start_time, cursor or per_page");
    const { start_time, cursor, per_page } = parsed.data;
    const now = deps.now().getTime() + aheadMs();
    let from: Position | null;
    if (cursor !== undefined) {
      from = decodeCursor(cursor);
      if (!from) return zdError.badRequest("InvalidValue", "Invalid cursor");
    } else {
      if (start_time === undefined) return zdError.badRequest("InvalidValue", "start_time or cursor is required");
      if (start_time * 1000 > now - EXCLUDED_MS) return zdError.badRequest("InvalidValue", "Too recent start_time. Use a start_time older than 1 minute");
      // Tickets updated at start_time or later: ids start at 1, so id 0 admits that second.
      from = { at: start_time, id: 0 };
    }
    const visibleBefore = Math.floor((now - EXCLUDED_MS) / 1000);
    const pending = deps.store
      .allTickets()
      .filter((t) => after(t, from) && unixSeconds(t) <= visibleBefore)
      .sort((a, b) => unixSeconds(a) - unixSeconds(b) || a.id - b.id);
    const page = pending.slice(0, per_page);
    const last = page.at(-1);
    const first = page[0];
    // With nothing new the cursor stays where it was: the next poll asks from the same place.
    const afterCursor = encodeCursor(last ? { at: unixSeconds(last), id: last.id } : from);
    const beforeCursor = first ? encodeCursor({ at: unixSeconds(first), id: first.id - 1 }) : null;
    const root = apiRoot(c.req.url);
    const url = (k: string | null) => (k === null ? null : `${root}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(k)}`);
    return c.json({
      tickets: page.map((t) => presentTicket(t, root)),
      after_cursor: afterCursor,
      after_url: url(afterCursor),
      before_cursor: beforeCursor,
      before_url: url(beforeCursor),
      end_of_stream: pending.length <= per_page,
    });
  });

  return {
    routes: app,
    migrate: () => sql.exec(`CREATE TABLE IF NOT EXISTS zd_export_clock (ahead_s INTEGER NOT NULL)`),
    setAhead(seconds: number) {
      sql.exec(`DELETE FROM zd_export_clock`);
      sql.exec(`INSERT INTO zd_export_clock (ahead_s) VALUES (?)`, seconds);
    },
  };
}
