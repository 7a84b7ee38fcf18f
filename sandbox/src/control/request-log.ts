/** The sandbox's request log, for counting API calls in tests and benchmarks. */
const MAX_ROWS = 200_000;

export interface LoggedRequest {
  id: number;
  at: string;
  api: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  /** The injected fault's kind, or "rate_limit" for a call refused over a rate limit (/_sandbox/limits). */
  fault: string | null;
  /** Who called: the ConnectWise API member's public key, or the portal user's email an API token signs in as (never a secret); null otherwise. */
  caller: string | null;
}

export function createRequestLog(sql: SqlStorage) {
  let sinceTrim = 0;
  return {
    migrate() {
      sql.exec(
        `CREATE TABLE IF NOT EXISTS sandbox_requests (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, api TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, ms INTEGER NOT NULL, fault TEXT, caller TEXT)`,
      );
      // Logs kept from before `caller` existed (a local sandbox's storage survives upgrades).
      const columns = sql.exec<{ name: string }>(`PRAGMA table_info(sandbox_requests)`).toArray();
      if (!columns.some((c) => c.name === "caller")) sql.exec(`ALTER TABLE sandbox_requests ADD COLUMN caller TEXT`);
    },
    record(entry: Omit<LoggedRequest, "id">) {
      sql.exec(
        `INSERT INTO sandbox_requests (at, api, method, path, status, ms, fault, caller) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        entry.at,
        entry.api,
        entry.method,
        entry.path,
        entry.status,
        entry.ms,
        entry.fault,
        entry.caller,
      );
      if (++sinceTrim >= 1000) {
        sinceTrim = 0;
        sql.exec(`DELETE FROM sandbox_requests WHERE id <= (SELECT MAX(id) FROM sandbox_requests) - ?`, MAX_ROWS);
      }
    },
    list(filter: { api?: string; sinceId?: number; limit: number }): LoggedRequest[] {
      return sql
        .exec<LoggedRequest & Record<string, SqlStorageValue>>(
          `SELECT id, at, api, method, path, status, ms, fault, caller FROM sandbox_requests WHERE id > ? AND (? IS NULL OR api = ?) ORDER BY id LIMIT ?`,
          filter.sinceId ?? 0,
          filter.api ?? null,
          filter.api ?? null,
          filter.limit,
        )
        .toArray();
    },
    clear() {
      sql.exec(`DELETE FROM sandbox_requests`);
    },
  };
}

export type RequestLog = ReturnType<typeof createRequestLog>;
