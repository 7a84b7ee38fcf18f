/**
 * Structured logging: one JSON line per event so `wrangler tail --format json` filters
 * cleanly. Never pass secrets or ticket bodies; keys that look secret are redacted anyway.
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

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

/** Builds the log line; exported for tests. */
export function formatLogLine(level: LogLevel, event: string, fields: LogFields = {}): string {
  const safe = redact(fields) as Record<string, unknown>;
  return JSON.stringify({ level, event, ...safe, at: new Date().toISOString() });
}

function emit(level: LogLevel, event: string, fields?: LogFields): void {
  const line = formatLogLine(level, event, fields);
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `base` (tenant, run, ticket …) to every line. */
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
  if (err instanceof Error && !(err instanceof AppError)) return { error: err.name, message: err.message, where: err.stack?.split("\n").slice(1, 6).map((l) => l.trim()).join(" | ") };
  if (err instanceof Error) return { error: err.name, message: err.message };
  return { error: String(err) };
}
