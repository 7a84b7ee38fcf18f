import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof createDb>;

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema, casing: "snake_case" });
}

/** The current time as stored in D1 (ISO-8601 UTC, milliseconds). */
export const nowIso = (): string => new Date().toISOString();

/** Ids per `IN (…)` list: D1 binds at most 100 parameters per statement, and a query has a few of its own. */
export const MAX_IDS_PER_QUERY = 90;

/** Runs `query` over `ids` in slices of MAX_IDS_PER_QUERY and concatenates the rows. */
export async function selectInChunks<T, R>(ids: readonly T[], query: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_QUERY) rows.push(...(await query(ids.slice(i, i + MAX_IDS_PER_QUERY))));
  return rows;
}
