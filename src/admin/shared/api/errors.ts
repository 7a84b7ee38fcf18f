import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, InvalidField } from "../../../lib/errors";
import { errorFields, log } from "../../../lib/log";
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
};

/** Every error of the API surface as problem details; anything unexpected is logged and answered 500 without its message. */
export const apiOnError: ErrorHandler = (err, c) => {
  const known = err instanceof HTTPException ? FRAMEWORK[err.status] : undefined;
  if (known) return problem(c, known.status, known.title, { detail: known.detail });
  const refusal = err instanceof AppError ? APP[err.code] : undefined;
  if (err instanceof InvalidField) return problem(c, 400, "Invalid input", { errors: [{ path: err.field, message: err.message }] });
  if (err instanceof AppError && refusal) {
    if (err.code === "rate_limited") c.header("retry-after", String(err.retryAfter ?? 60));
    return problem(c, refusal.status, refusal.title, { detail: err.message });
  }
  log.error("http.unhandled", { path: `${API_BASE}${c.req.path}`, ...errorFields(err) });
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
