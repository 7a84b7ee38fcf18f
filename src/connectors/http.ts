import type { z } from "zod";
import { AppError, type ErrorCode } from "../lib/errors";
import type { FetchLike } from "../egress/fetch";

/**
 * The one place both connectors talk HTTP: per-call timeout, a count of every attempt,
 * failures mapped to `AppError` (types.ts), and zod parsing of the body. No retries here:
 * the queue edge decides, honouring `retryAfter`.
 */
const DEFAULT_TIMEOUT_MS = 20_000;
/** Longest plain-text error body a connector may classify (classify.ts); longer ones are not read. */
const MAX_MESSAGE = 300;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What an API's error body says, classified by the connector that knows its format. */
export interface UpstreamErrorInfo {
  /** psa-sync's own wording (classify.ts), never the upstream's text. */
  message: string | null;
  /** Machine codes from the body (CW `code` / `errors[].code`, Zendesk `error`). */
  codes: string[];
}

/** An `AppError` that keeps the upstream status and codes, for callers that must tell errors apart. */
export class UpstreamError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly httpStatus: number | null,
    readonly upstreamCodes: readonly string[] = [],
    retryAfter?: number,
  ) {
    super(code, message, retryAfter);
  }
}

export interface HttpRequest<T> {
  method?: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  json?: unknown;
  schema: z.ZodType<T>;
  timeoutMs?: number;
}

export interface HttpResponse<T> {
  data: T;
  status: number;
  headers: Headers;
}

export interface HttpClient {
  readonly calls: number;
  send<T>(req: HttpRequest<T>): Promise<HttpResponse<T>>;
}

export interface HttpClientOptions {
  /** Read at call time, so tests and the sandbox can swap transport. */
  fetch: FetchLike;
  api: string;
  describeError: (body: unknown, text: string, contentType: string) => UpstreamErrorInfo;
  timeoutMs?: number;
  now?: () => number;
}

/** `Retry-After` as seconds: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // Only real HTTP-dates (they name a weekday or month), so "12abc" is not read as a year.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** The AppError code for an HTTP failure status (types.ts contract). */
export function codeForStatus(status: number): ErrorCode {
  if (status === 429) return "rate_limited";
  if (status >= 500) return "upstream_unavailable";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  return "invalid_payload";
}

/** Names the first schema issue by its path, never by the value that failed. */
function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "unexpected response shape";
  const path = issue.path.length ? issue.path.map(String).join(".") : "(root)";
  return `unexpected response shape at ${path} (${issue.code})`;
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE)}…` : oneLine;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === "") return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  let calls = 0;
  const now = opts.now ?? Date.now;

  async function send<T>(req: HttpRequest<T>): Promise<HttpResponse<T>> {
    const method = req.method ?? "GET";
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The query can carry conditions built from ticket data: errors name the path only.
    const where = `${opts.api} ${method} ${new URL(req.url).pathname}`;
    const headers: Record<string, string> = { ...req.headers };
    if (req.json !== undefined) headers["Content-Type"] ??= "application/json";

    calls++;
    let res: Response;
    let text: string;
    try {
      res = await opts.fetch(req.url, {
        method,
        headers,
        body: req.json === undefined ? undefined : JSON.stringify(req.json),
        signal: AbortSignal.timeout(timeoutMs),
        timeoutMs,
      });
      text = await res.text();
    } catch (err) {
      // Refusals raised before the call left (the tenant's call budget) keep their meaning.
      if (err instanceof AppError) throw err;
      const why = isTimeout(err) ? `timed out after ${timeoutMs} ms` : "network error or dropped connection";
      throw new UpstreamError("upstream_unavailable", `${where}: ${why}`, null);
    }

    const parsed = parseJson(text);
    if (!res.ok) {
      const contentType = res.headers.get("content-type") ?? "";
      const info = opts.describeError(parsed.ok ? parsed.value : undefined, text, contentType);
      // A JSON error body cut off in transit hides what the API meant (a 400 "already
      // attached" is a success for an idempotent write): retried like any transport failure.
      const cutOff = !parsed.ok && contentType.includes("json");
      const code = cutOff ? "upstream_unavailable" : codeForStatus(res.status);
      const retryAfter = code === "rate_limited" || code === "upstream_unavailable" ? parseRetryAfter(res.headers.get("retry-after"), now()) : undefined;
      const requestId = res.headers.get("x-cw-request-id");
      const detail = cutOff ? " with a truncated error body" : info.message ? ` — ${clip(info.message)}` : "";
      const request = requestId && /^[A-Za-z0-9-]{1,64}$/.test(requestId) ? ` (request ${requestId})` : "";
      const message = `${where}: HTTP ${res.status}${detail}${request}`;
      throw new UpstreamError(code, message, res.status, info.codes, retryAfter);
    }
    if (!parsed.ok) throw new UpstreamError("upstream_unavailable", `${where}: truncated or unparseable response body`, res.status);
    const result = req.schema.safeParse(parsed.value);
    if (!result.success) throw new UpstreamError("invalid_payload", `${where}: ${describeSchemaError(result.error)}`, res.status);
    return { data: result.data, status: res.status, headers: res.headers };
  }

  return {
    get calls() {
      return calls;
    },
    send,
  };
}

/** Builds a query string; values are percent-encoded (`+` and spaces included), keys are ours. */
export function withQuery(url: string, params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `${url}${url.includes("?") ? "&" : "?"}${parts.join("&")}` : url;
}

/** Ids go into URL paths: only positive safe integers. */
export function assertId(id: number, what: string): number {
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError("invalid_payload", `${what} must be a positive integer`);
  return id;
}

/** Error text that is plain text (CW's routing errors), short enough to quote. */
export function plainTextMessage(text: string, contentType: string): string | null {
  return contentType.includes("text/plain") && text.trim() && text.length <= MAX_MESSAGE ? text : null;
}

/** A lookup that treats "not found" as an answer (null), not a failure. */
export async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return null;
    throw err;
  }
}
