import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

const connect = (d1: D1Database) => drizzle(d1, { schema, casing: "snake_case" });
export type Db = ReturnType<typeof connect>;

/** One client per D1 binding: building one re-derives the relational schema (the Worker's largest CPU cost per ticket in the bench's profile). */
const clients = new WeakMap<D1Database, Db>();

export function createDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) clients.set(d1, (db = connect(d1)));
  return db;
}

/** The current time as stored in D1 (ISO-8601 UTC, milliseconds). */
export const nowIso = (): string => new Date().toISOString();

/** Ids per `IN (…)` list: D1 binds at most 100 parameters per statement, and a query has a few of its own. */
export const MAX_IDS_PER_QUERY = 90;

/**
 * The one way to bind a list of ids: runs `statement` over `ids` in slices of
 * MAX_IDS_PER_QUERY and concatenates what each returns (rows, or `.returning()` rows).
 * Slices run one after another, not as one transaction: use it for reads and for writes
 * that hold row by row (a claim, a flag), which every caller here is.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: write statements are `async (chunk) => { await … }`, which return Promise<void>.
export async function inChunks<T, R>(ids: readonly T[], statement: (chunk: T[]) => Promise<R[] | void>): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_QUERY) rows.push(...((await statement(ids.slice(i, i + MAX_IDS_PER_QUERY))) ?? []));
  return rows;
}
