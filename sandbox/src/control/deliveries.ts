/**
 * Outgoing deliveries (ConnectWise callbacks, portal webhooks) as the sandbox sent them:
 * method, URL, headers and raw body, plus what came back. For watching push in the demo,
 * and for tests that replay a real delivery into the Worker under test.
 */
const MAX_ROWS = 1000;

export interface Delivery {
  id: number;
  at: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number | null;
  error: string | null;
}

export function createDeliveryLog(sql: SqlStorage, now: () => Date) {
  const log = {
    migrate() {
      sql.exec(
        `CREATE TABLE IF NOT EXISTS sandbox_deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, url TEXT NOT NULL, headers TEXT NOT NULL, body TEXT NOT NULL, status INTEGER, error TEXT)`,
      );
    },
    clear() {
      sql.exec(`DELETE FROM sandbox_deliveries`);
    },
    list(sinceId: number): Delivery[] {
      return sql
        .exec<{ id: number; at: string; url: string; headers: string; body: string; status: number | null; error: string | null }>(
          `SELECT * FROM sandbox_deliveries WHERE id > ? ORDER BY id LIMIT 500`,
          sinceId,
        )
        .toArray()
        .map((r) => ({ ...r, headers: JSON.parse(r.headers) as Record<string, string> }));
    },
    /** A fetch that records what it sends; used for every delivery. */
    async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      // Record from a copy; the delivery itself goes out with the caller's own arguments.
      const request = new Request(input, init);
      const body = await request.text();
      const id = sql
        .exec<{ id: number }>(
          `INSERT INTO sandbox_deliveries (at, url, headers, body) VALUES (?, ?, ?, ?) RETURNING id`,
          now().toISOString(),
          request.url,
          JSON.stringify(Object.fromEntries(request.headers)),
          body,
        )
        .one().id;
      sql.exec(`DELETE FROM sandbox_deliveries WHERE id <= ?`, id - MAX_ROWS);
      try {
        const res = await fetch(input, init);
        sql.exec(`UPDATE sandbox_deliveries SET status = ? WHERE id = ?`, res.status, id);
        return res;
      } catch (err) {
        sql.exec(`UPDATE sandbox_deliveries SET error = ? WHERE id = ?`, String(err).slice(0, 300), id);
        throw err;
      }
    },
  };
  return log;
}

export type DeliveryLog = ReturnType<typeof createDeliveryLog>;
