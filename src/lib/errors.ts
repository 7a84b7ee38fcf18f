/**
 * The closed set of failure codes used inside the engine and at the API edge. Queue
 * consumers decide retry from `retryable`; the HTTP edge maps `code` to a status.
 */
export type ErrorCode =
  | "rate_limited"
  | "upstream_unavailable"
  /** The upstream answered, but with something we refuse to act on for the caller (a dead sign-in code, an agent's account): shown, never retried. */
  | "upstream_refused"
  | "invalid_payload"
  | "not_found"
  | "conflict"
  | "unauthorized"
  | "forbidden"
  | "internal";

const HTTP_STATUS: Record<ErrorCode, number> = {
  rate_limited: 429,
  upstream_unavailable: 503,
  upstream_refused: 502,
  invalid_payload: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  internal: 500,
};

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds the caller should wait before retrying, when the upstream said so. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }

  get retryable(): boolean {
    return this.code === "rate_limited" || this.code === "upstream_unavailable";
  }
}

/** One field-level message: the dotted path of the input ("" for the input as a whole). */
export interface FieldError {
  path: string;
  message: string;
}

/** The refusals a caller can act on: fix the input, find the thing, wait for the state or the allowance. */
export type RefusalCode = "invalid_payload" | "not_found" | "conflict" | "rate_limited";

/**
 * A refusal that names the fields to blame (a form field, a stale page link's cursor): a
 * page re-renders its form with them next to the fields, the API lists them in problem details.
 */
export class FieldErrors extends AppError {
  constructor(
    readonly errors: readonly FieldError[],
    code: RefusalCode = "invalid_payload",
    /** Why, when it is not the fields' fault alone (ConnectWise unreachable, say): the API's problem `detail`. */
    readonly detail?: string,
  ) {
    super(code, errors[0]?.message ?? "Invalid input");
  }

  /** From `{ field: message }` ("" or "form" for the whole input). */
  static of(fields: Record<string, string>, code?: RefusalCode, detail?: string): FieldErrors {
    return new FieldErrors(
      Object.entries(fields).map(([path, message]) => ({ path: path === "form" ? "" : path, message })),
      code,
      detail,
    );
  }

  /** The first message per field, keyed by field name (`form` for the whole input), as form views take them. */
  byField(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) out[e.path === "" ? "form" : e.path] ??= e.message;
    return out;
  }
}

/**
 * psa-sync's own per-tenant ConnectWise call cap is spent for now. Not a failure of the
 * work: the queue edge sends the message again after `retryAfter` without counting an attempt.
 */
export class BudgetSpent extends AppError {
  constructor(message: string, retryAfter: number) {
    super("rate_limited", message, retryAfter);
  }
}
