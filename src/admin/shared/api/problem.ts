import type { Context } from "hono";
import { z } from "@hono/zod-openapi";

/** RFC 9457 problem details; `errors` lists field-level messages for invalid input. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");
export type Problem = z.infer<typeof Problem>;

export type ProblemStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 500 | 502;

const DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: "Invalid input (field-level `errors`) or malformed JSON",
  401: "Missing, malformed, revoked or expired bearer token",
  403: 'Needs a token with scope "admin"',
  404: "Not found (for this token's tenant)",
  405: "Method not allowed on this path",
  409: "Conflicts with the tenant's state (paused, disabled, already done)",
  413: "Body larger than the limit (counted in bytes)",
  415: "Content-Type must be application/json",
  429: "Over the task's allowance; Retry-After says when to try again",
  500: "Unexpected error (logged; no detail given)",
  502: "The Support Portal or ConnectWise refused what was asked on the tenant's behalf (`detail` says what)",
};

export function problem<S extends ProblemStatus>(c: Context, status: S, title: string, extra: Pick<Problem, "detail" | "errors"> = {}) {
  return c.json({ type: "about:blank", title, status, ...extra } satisfies Problem, status, { "content-type": "application/problem+json" });
}

type ProblemResponses<S extends ProblemStatus> = { [K in S]: { description: string; content: { "application/problem+json": { schema: typeof Problem } } } };

/** The documented problem answers of an operation (route definitions spread these into `responses`). */
export function problemResponses<const S extends ProblemStatus>(...statuses: S[]): ProblemResponses<S> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: DESCRIPTIONS[s], content: { "application/problem+json": { schema: Problem } } }]),
  ) as ProblemResponses<S>;
}
