import type { MiddlewareHandler } from "hono";
import type { AdminEnv } from "./context";

/**
 * Declares how a form route's page re-renders the form when a service or the validator
 * refuses it: the page error handler calls `refill` with the field errors and the posted
 * values, at the refusal's status. Put it before the validator.
 */
export const formPage =
  (refill: AdminEnv["Variables"]["refill"]): MiddlewareHandler<AdminEnv> =>
  async (c, next) => {
    c.set("refill", refill);
    await next();
  };
