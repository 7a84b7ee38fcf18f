import type { Context } from "hono";
import type { z } from "zod";
import { fieldErrors, problem } from "./problem";

/** Largest JSON body the API reads. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads and validates a JSON body: a clear problem (with field-level errors) for a
 * missing, oversized, malformed or invalid body; the parsed value otherwise.
 */
export async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  if (!(c.req.header("content-type") ?? "").includes("application/json")) {
    return { ok: false, response: problem(c, 415, "Send a JSON body", { detail: "Content-Type must be application/json." }) };
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) return { ok: false, response: problem(c, 413, "Body too large", { detail: `At most ${MAX_BODY_BYTES} bytes.` }) };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, response: problem(c, 400, "Malformed JSON", { detail: "The body is not valid JSON." }) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, response: problem(c, 400, "Invalid body", { errors: fieldErrors(parsed.error) }) };
  return { ok: true, value: parsed.data };
}
