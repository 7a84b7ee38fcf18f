/**
 * The closed set of failure codes used inside the engine and at the API edge. Queue
 * consumers decide retry from `retryable`; the HTTP edge maps `code` to a status.
 */
export type ErrorCode = "rate_limited" | "upstream_unavailable" | "invalid_payload" | "not_found" | "conflict" | "unauthorized" | "forbidden" | "internal";

const HTTP_STATUS: Record<ErrorCode, number> = {
  rate_limited: 429,
  upstream_unavailable: 503,
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

/** Invalid input that one field of the request is to blame for (a stale page link, say): the edge names the field. */
export class InvalidField extends AppError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("invalid_payload", message);
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
