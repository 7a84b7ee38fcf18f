/** JSON value types for records kept as documents in SQLite. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ConnectWise timestamps carry whole seconds: `2026-06-09T21:59:49Z`. */
export function cwTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Reads a nested value by `a/b/c`, matching keys case-insensitively as CW's query language does. */
export function readPath(record: JsonObject, path: string[]): Json | undefined {
  let current: Json | undefined = record;
  for (const segment of path) {
    if (!isObject(current)) return undefined;
    const key: string | undefined = segment in current ? segment : Object.keys(current).find((k) => k.toLowerCase() === segment.toLowerCase());
    current = key === undefined ? undefined : current[key];
  }
  return current;
}

/** CW leaves unset fields out of responses rather than sending null. */
export function stripNulls(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null) continue;
    out[key] = isObject(v) ? stripNulls(v) : Array.isArray(v) ? v.map((item) => (isObject(item) ? stripNulls(item) : item)) : v;
  }
  return out;
}
