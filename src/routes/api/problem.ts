import type { Context } from "hono";
import { z } from "zod";

/** RFC 9457 problem details; `errors` lists field-level messages for invalid input. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export function problem(c: Context, status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503, title: string, extra: Omit<Problem, "type" | "title" | "status"> = {}) {
  return c.json({ type: "about:blank", title, status, ...extra } satisfies Problem, status, { "content-type": "application/problem+json" });
}

export function fieldErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));
}
