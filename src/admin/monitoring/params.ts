import { z } from "zod";

/**
 * Query parameters of the monitoring pages and API (one schema for both). HTML forms
 * send empty fields as "", which means "not set" here.
 */
const blank = (v: unknown) => (v === "" ? undefined : v);
const limit = z.preprocess(blank, z.coerce.number().int().min(1).max(100).default(50));
const cursor = z.preprocess(
  blank,
  z
    .string()
    .max(300)
    .regex(/^[A-Za-z0-9_-]+$/, "not a cursor from this API")
    .optional(),
);

/** `cursor` reads on to older rows (the next page), `before` back to newer ones (the previous page). */
const paging = { cursor, before: cursor, limit };

export const runsQuery = z.object(paging);
export const ticketsQuery = z.object({
  q: z.preprocess(blank, z.string().trim().max(200).optional()),
  state: z.preprocess(blank, z.enum(["pending", "ok", "warning", "error"]).optional()),
  warning: z.preprocess(
    blank,
    z
      .enum(["1", "0", "true", "false"])
      .transform((v) => v === "1" || v === "true")
      .optional(),
  ),
  ...paging,
});
export const failuresQuery = z.object({
  state: z.preprocess(blank, z.enum(["new", "replayed", "discarded"]).optional()),
  ...paging,
});
export const auditQuery = z.object(paging);
export const runTicketsQuery = z.object({ after: z.preprocess(blank, z.coerce.number().int().min(0).default(0)) });

export const runIdParam = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "not a run id");
export const portalTicketIdParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const failureIdParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export type TicketsQuery = z.infer<typeof ticketsQuery>;

/** Opaque keyset cursors: base64url of a JSON tuple, so callers cannot build OFFSET-like jumps. */
export function encodeCursor(parts: (string | number)[]): string {
  return btoa(JSON.stringify(parts)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor<T extends z.ZodType>(text: string | undefined, schema: T): z.infer<T> | null | "invalid" {
  if (!text) return null;
  try {
    const json: unknown = JSON.parse(atob(text.replace(/-/g, "+").replace(/_/g, "/")));
    const parsed = schema.safeParse(json);
    return parsed.success ? parsed.data : "invalid";
  } catch {
    return "invalid";
  }
}

export const timeIdCursor = z.tuple([z.string().max(64), z.number().int()]);
export const timeTextCursor = z.tuple([z.string().max(64), z.string().max(100)]);
export const idCursor = z.tuple([z.number().int().positive()]);
