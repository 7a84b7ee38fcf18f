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
  fault: string | null;
}

export function createRequestLog(sql: SqlStorage) {
  let sinceTrim = 0;
  return {
    migrate() {
      sql.exec(
        `CREATE TABLE IF NOT EXISTS sandbox_requests (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, api TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, ms INTEGER NOT NULL, fault TEXT)`,
      );
    },
    record(entry: Omit<LoggedRequest, "id">) {
      sql.exec(
        `INSERT INTO sandbox_requests (at, api, method, path, status, ms, fault) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        entry.at,
        entry.api,
        entry.method,
        entry.path,
        entry.status,
        entry.ms,
        entry.fault,
      );
      if (++sinceTrim >= 1000) {
        sinceTrim = 0;
        sql.exec(`DELETE FROM sandbox_requests WHERE id <= (SELECT MAX(id) FROM sandbox_requests) - ?`, MAX_ROWS);
      }
    },
    list(filter: { api?: string; sinceId?: number; limit: number }): LoggedRequest[] {
      return sql
        .exec<LoggedRequest & Record<string, SqlStorageValue>>(
          `SELECT id, at, api, method, path, status, ms, fault FROM sandbox_requests WHERE id > ? AND (? IS NULL OR api = ?) ORDER BY id LIMIT ?`,
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
