import { zValidator } from "@hono/zod-validator";
import type { Env, ValidationTargets } from "hono";
import type { z } from "zod";
import { FieldErrors, type AppError, type FieldError } from "./errors";

/** zod issues as field-level errors ("" for the input as a whole): the one mapping pages and the API share. */
function zodFieldErrors(error: z.core.$ZodError): FieldError[] {
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

/**
 * `zValidator(target, schema, refuseInvalid)` for the apps of an env `E` (zValidator cannot
 * infer the env from a hook, so each surface names it once). `refusal` replaces the field
 * errors where the input is not a form to fix: a path id that cannot exist is a missing page.
 */
export const validatorFor =
  <E extends Env>() =>
  <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T, refusal?: () => AppError) =>
    zValidator<T, Target, E, string, typeof refuseInvalid>(target, schema, (result) => {
      if (!result.success && refusal) throw refusal();
      return refuseInvalid(result);
    });
