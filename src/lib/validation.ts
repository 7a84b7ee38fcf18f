import { zValidator } from "@hono/zod-validator";
import type { Context, Env, ValidationTargets } from "hono";
import type { z } from "zod";

/** One field-level message: the dotted path of the input (`root` for the input as a whole). */
export interface FieldError {
  path: string;
  message: string;
}

/** zod issues as field-level errors, for problem details and re-rendered forms alike. */
function fieldErrors(error: z.core.$ZodError, root = "(body)"): FieldError[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join(".") || root, message: i.message }));
}

/** The first message per field, keyed by field name (`form` for the whole form), as the form views take them. */
export function formErrors(error: z.core.$ZodError, fieldName: (path: string) => string = (p) => p): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fieldErrors(error, "form")) out[fieldName(e.path)] ??= e.message;
  return out;
}

/** Posted form fields as strings, minus the CSRF token and secrets: what a re-rendered form echoes back. */
export function formValues(form: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) if (typeof v === "string" && k !== "csrf" && k !== "privateKey" && k !== "apiToken") out[k] = v;
  return out;
}

/** What a validator hook hands over: the parsed value or zod's error, with the raw input. */
type ValidationResult = { success: true; data: unknown } | { success: false; error: z.core.$ZodError; data?: unknown };

/**
 * The validation hook of pages and API: a valid input passes on (the handler reads it with
 * `c.req.valid(...)`); an invalid one is answered by `refuse` with its field errors and the
 * raw input (forms echo it back). OpenAPIHono's `defaultHook` answers problem details; each
 * page answers by re-rendering its form. Used with `zValidator(target, schema, hook)`.
 */
export function validationHook<E extends Env>(refuse: Refuse<E>) {
  return (result: ValidationResult, c: Context<E>) =>
    result.success ? undefined : refuse(c, fieldErrors(result.error), (result.data ?? {}) as Record<string, unknown>, result.error);
}
type Refuse<E extends Env> = (c: Context<E>, errors: FieldError[], raw: Record<string, unknown>, error: z.core.$ZodError) => Response | Promise<Response>;

/**
 * `zValidator(target, schema, validationHook(refuse))` for the pages of an app env `E`
 * (zValidator cannot infer the env from a hook, so each app names it once).
 */
export const validatorFor =
  <E extends Env>() =>
  <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T, refuse: Refuse<E>) =>
    zValidator<T, Target, E, string, ReturnType<typeof validationHook<E>>>(target, schema, validationHook(refuse));
