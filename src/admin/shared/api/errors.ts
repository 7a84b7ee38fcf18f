import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, FieldErrors } from "../../../lib/errors";
import { errorFields } from "../../../lib/log";
import { requestLog, type ApiEnv } from "../context";
import { API_BASE } from "./openapi";
import { problem, type ProblemStatus } from "./problem";

/** Errors the framework raises before a handler runs (the JSON validator, the media-type gate). */
const FRAMEWORK: Partial<Record<number, { status: ProblemStatus; title: string; detail: string }>> = {
  400: { status: 400, title: "Malformed JSON", detail: "The body is not valid JSON." },
  415: { status: 415, title: "Send a JSON body", detail: "Content-Type must be application/json." },
};

/** Service refusals, by code: the message is meant for the caller. */
const APP: Partial<Record<AppError["code"], { status: ProblemStatus; title: string }>> = {
  invalid_payload: { status: 400, title: "Invalid input" },
  not_found: { status: 404, title: "Not found" },
  conflict: { status: 409, title: "Cannot do this now" },
  rate_limited: { status: 429, title: "Too many requests for this task" },
  upstream_refused: { status: 502, title: "Refused upstream" },
};

/**
 * The API surface's one error path: every error as problem details. Services throw
 * `AppError`s (`FieldErrors` when fields are to blame, as the validator does); anything
 * unexpected is logged and answered 500 without its message.
 */
export const apiOnError: ErrorHandler<ApiEnv> = (err, c) => {
  const known = err instanceof HTTPException ? FRAMEWORK[err.status] : undefined;
  if (known) return problem(c, known.status, known.title, { detail: known.detail });
  const refusal = err instanceof AppError ? APP[err.code] : undefined;
  if (err instanceof FieldErrors && refusal) {
    const errors = err.errors.map((e) => ({ path: e.path || "(body)", message: e.message }));
    return problem(c, refusal.status, refusal.status === 400 ? "Invalid input" : refusal.title, { errors, ...(err.detail ? { detail: err.detail } : {}) });
  }
  if (err instanceof AppError && refusal) {
    if (err.code === "rate_limited") c.header("retry-after", String(err.retryAfter ?? 60));
    return problem(c, refusal.status, refusal.title, { detail: err.message });
  }
  requestLog(c).error("http.unhandled", { path: `${API_BASE}${c.req.path}`, ...errorFields(err) });
  return problem(c, 500, "Something went wrong", { detail: "The error was logged; try again, and tell your operator if it keeps happening." });
};

/** A path the API knows under another method is a 405 (with Allow); any other path a 404. */
export function apiNotFound(routes: readonly { method: string; path: string }[]): NotFoundHandler {
  const matches = (path: string, pattern: string) => new RegExp(`^${pattern.replace(/:\w+/g, "[^/]+")}$`).test(path);
  return (c: Context) => {
    const allow = [...new Set(routes.filter((r) => r.method !== "ALL" && matches(c.req.path, r.path)).map((r) => r.method))];
    if (allow.length > 0) {
      c.header("allow", allow.join(", "));
      return problem(c, 405, "Method not allowed", { detail: `${c.req.method} is not allowed here; use ${allow.join(" or ")}.` });
    }
    return problem(c, 404, "Not Found", { detail: `No such API route; see ${API_BASE}/openapi.json.` });
  };
}
