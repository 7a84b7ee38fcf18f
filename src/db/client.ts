import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof createDb>;

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema, casing: "snake_case" });
}

/** The current time as stored in D1 (ISO-8601 UTC, milliseconds). */
export const nowIso = (): string => new Date().toISOString();
