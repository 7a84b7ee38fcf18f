import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, FieldErrors } from "../../lib/errors";
import { errorFields } from "../../lib/log";
import { formValues } from "../../lib/validation";
import { requestLog, type AdminEnv } from "./context";
import { ErrorMessage } from "./views/error-message";

/**
 * The page surface's one error path. A refusal (a service's `AppError` below 500 or `upstream_refused`, or the
 * validator's `FieldErrors`) on a route with a `formPage` re-renders that form with the
 * messages and the posted values; anything else is an error page at its status, and an
 * unexpected error is logged and shown without its message.
 */
export async function pageError(err: Error, c: Context<AdminEnv>): Promise<Response> {
  const status = err instanceof HTTPException || err instanceof AppError ? err.status : 500;
  // A refusal for now (over a task's allowance) says when to try again, as the API's does.
  if (err instanceof AppError && err.code === "rate_limited") c.header("retry-after", String(err.retryAfter ?? 60));
  const refill = c.get("refill");
  if (refill && err instanceof AppError && (status < 500 || err.code === "upstream_refused")) {
    const errors = err instanceof FieldErrors ? err.byField() : { form: err.message };
    const posted = c.req.method === "POST" ? await c.req.parseBody().catch(() => ({})) : {};
    c.status(status as 400);
    return refill(c, { errors, values: formValues(posted) });
  }
  if (status >= 500) requestLog(c).error("http.unhandled", { path: c.req.path, ...errorFields(err) });
  const title = status >= 500 ? "Something went wrong" : err.message;
  c.status(status as 400);
  return c.render(<ErrorMessage status={status} title={title} detail="Try again; if it keeps happening, tell your operator." />, { title });
}

/** The page for an address nothing answers. */
export function pageNotFound(c: Context): Response | Promise<Response> {
  c.status(404);
  return c.render(<ErrorMessage status={404} title="Page not found" detail="There is nothing at this address." />, { title: "Page not found" });
}
