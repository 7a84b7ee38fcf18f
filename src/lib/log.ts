/**
 * Structured logging: one plain object per event, passed to console.* as its only argument,
 * so Workers Logs indexes each field (`event`, `tenant`, `level` …) and `wrangler tail
 * --format json` carries it as an object. No timestamp: Workers Logs and tail stamp every
 * event. Never pass secrets or ticket bodies; keys that look secret are redacted anyway.
 */
import { AppError } from "./errors";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogFields {
  tenant?: string;
  run?: string;
  ticket?: string | number;
  cwTicket?: number;
  ms?: number;
  apiCalls?: number;
  code?: string;
  [key: string]: unknown;
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|private.?key|api.?key|ciphertext/i;
const REDACTED = "[redacted]";

/** A copy with secret-looking keys redacted and undefined fields left out (JSON drops them; `wrangler dev` would print them). */
function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

/** One logged event, as passed to console.*. */
export type LogEntry = { level: LogLevel; event: string } & Record<string, unknown>;

/**
 * Builds the object one event logs; exported for tests. `level` stays in it although the
 * console method sets Workers Logs' own level: it lets one filter (`level = "error"`) work
 * the same in the Query Builder, over `.logs[].message[0]` in tail JSON, and in local output.
 */
export function logEntry(level: LogLevel, event: string, fields: LogFields = {}): LogEntry {
  return { level, event, ...(redact(fields) as Record<string, unknown>) };
}

/** Each level is logged with the console method of its name: Workers Logs and tail take their `level` from it. */
function emit(level: LogLevel, event: string, fields?: LogFields): void {
  console[level](logEntry(level, event, fields));
}

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `base` (tenant, run, ticket …) to every event. */
  with(base: LogFields): Logger;
}

export function createLogger(base: LogFields = {}): Logger {
  const at = (level: LogLevel) => (event: string, fields?: LogFields) => emit(level, event, { ...base, ...fields });
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    with: (more) => createLogger({ ...base, ...more }),
  };
}

export const log = createLogger();

/** Error details safe to log: name and message, never the request or body. */
export function errorFields(err: unknown): LogFields {
  // An unexpected error (a bug, not an AppError) also carries where it happened: frames only, no values.
  if (err instanceof Error && !(err instanceof AppError))
    return {
      error: err.name,
      message: err.message,
      where: err.stack
        ?.split("\n")
        .slice(1, 6)
        .map((l) => l.trim())
        .join(" | "),
    };
  if (err instanceof Error) return { error: err.name, message: err.message };
  return { error: String(err) };
}
