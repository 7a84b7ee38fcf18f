import { zValidator } from "@hono/zod-validator";
import type { Context, Env, ValidationTargets } from "hono";
import type { z } from "zod";
import { FieldErrors, type FieldError } from "./errors";

/** zod issues as field-level errors ("" for the input as a whole): the one mapping pages and the API share. */
export function zodFieldErrors(error: z.core.$ZodError): FieldError[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/** Posted form fields as strings, minus the CSRF token and secrets: what a re-rendered form echoes back. */
export function formValues(form: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) if (typeof v === "string" && k !== "csrf" && k !== "privateKey" && k !== "apiToken") out[k] = v;
  return out;
}

/** What a validator hook hands over: the parsed value or zod's error. */
type ValidationResult = { success: true } | { success: false; error: z.core.$ZodError };

/**
 * The validation hook of pages and API alike: a valid input passes on (the handler reads it
 * with `c.req.valid(...)`); an invalid one throws `FieldErrors`, which the surface's one
 * error handler answers (problem details, or the page's form re-rendered with the messages).
 */
export function refuseInvalid(result: ValidationResult): undefined {
  if (!result.success) throw new FieldErrors(zodFieldErrors(result.error));
  return undefined;
}

/** TRANSITION (removed once every feature throws): the first message per field, from zod's error. */
export function formErrors(error: z.core.$ZodError, fieldName?: (path: string) => string): Record<string, string> {
  return new FieldErrors(zodFieldErrors(error)).byField(fieldName);
}
/** TRANSITION (removed once every feature throws): a route's own answer to an invalid input. */
type Refuse<E extends Env> = (c: Context<E>, errors: FieldError[], raw: Record<string, unknown>, error: z.core.$ZodError) => Response | Promise<Response>;

/**
 * `zValidator(target, schema, refuseInvalid)` for the apps of an env `E` (zValidator cannot
 * infer the env from a hook, so each surface names it once).
 */
export const validatorFor =
  <E extends Env>() =>
  <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T, refuse?: Refuse<E>) =>
    zValidator<
      T,
      Target,
      E,
      string,
      (r: { success: true } | { success: false; error: z.core.$ZodError; data?: unknown }, c: Context<E>) => Response | Promise<Response> | undefined
    >(target, schema, (r, c) =>
      refuse && !r.success ? refuse(c, zodFieldErrors(r.error), (r.data ?? {}) as Record<string, unknown>, r.error) : refuseInvalid(r),
    );
