import type { MiddlewareHandler } from "hono";
import { parseBasic } from "../connectwise/auth";
import { apiTokenLogin } from "../zendesk/auth";
import type { SandboxDeps } from "../deps";
import type { Api, FaultKind, FaultRule, FaultStore } from "./faults";
import type { LimitStore } from "./limits";
import type { Verdict } from "./rate-window";
import type { RequestLog } from "./request-log";

/** Error bodies in each API's own format, so clients see what the real systems send. */
function errorBody(api: Api, status: number): unknown {
  if (api === "connectwise") {
    return status === 429
      ? { code: "TooManyRequests", message: "Too many requests, please retry later.", errors: null }
      : { code: "ServerError", message: "An unexpected error occurred.", errors: null };
  }
  return status === 429
    ? { error: "APIRateLimitExceeded", description: "Number of allowed API requests per minute exceeded" }
    : { error: "InternalServerError", description: "Something went wrong on our side." };
}

function faultResponse(api: Api, kind: "429" | "500" | "502" | "503", rule: Pick<FaultRule, "retryAfterSeconds" | "retryAfterOn503">): Response {
  const status = Number(kind);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (status === 429 || (status === 503 && rule.retryAfterOn503)) headers["Retry-After"] = String(rule.retryAfterSeconds);
  return new Response(JSON.stringify(errorBody(api, status)), { status, headers });
}

/** A rate limit's 429 in the API's own error body (ConnectWise's guide names the wait in its message). */
function rateLimitedResponse(api: Api, verdict: Verdict): Response {
  const body =
    api === "connectwise"
      ? { code: "TooManyRequests", message: `Too many requests. Please try again in ${verdict.retryAfterSeconds} seconds.`, errors: null }
      : errorBody(api, 429);
  return new Response(JSON.stringify(body), {
    status: 429,
    headers: { "content-type": "application/json; charset=utf-8", "Retry-After": String(verdict.retryAfterSeconds) },
  });
}

/** Zendesk's usage headers on a response (a copy: some responses' headers are immutable). */
function withRateHeaders(res: Response, account: Verdict): Response {
  const headers = new Headers(res.headers);
  headers.set("X-Rate-Limit", String(account.limit));
  headers.set("X-Rate-Limit-Remaining", String(account.remaining));
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/** Serves the real response but ends the body stream with an error: a dropped connection. */
function dropAfterHeaders(res: Response): Response {
  const stream = new ReadableStream({
    pull(controller) {
      controller.error(new Error("connection reset by sandbox fault"));
    },
  });
  return new Response(stream, { status: res.status, headers: res.headers });
}

async function truncateBody(res: Response): Promise<Response> {
  const text = await res.text();
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  return new Response(text.slice(0, Math.floor(text.length / 2)), { status: res.status, headers });
}

/**
 * A list that never ends: ConnectWise always links a next page; Zendesk always says
 * has_more, handing back the cursor it was given once the real ones run out.
 */
async function endlessPaging(api: Api, url: URL, res: Response): Promise<Response> {
  if (!res.ok) return res;
  const headers = new Headers(res.headers);
  if (api === "connectwise") {
    const next = new URL(url);
    next.searchParams.set("page", String(Number(url.searchParams.get("page") ?? "1") + 1));
    headers.set("Link", `<${next.href}>; rel="next"`);
    return new Response(res.body, { status: res.status, headers });
  }
  const body = (await res.json()) as { meta?: { has_more?: boolean; after_cursor?: string | null } };
  if (body.meta) {
    body.meta.has_more = true;
    body.meta.after_cursor = body.meta.after_cursor ?? url.searchParams.get("page[after]");
  }
  headers.delete("content-length");
  return new Response(JSON.stringify(body), { status: res.status, headers });
}

/**
 * Applies the rate limits and fault rules of `api` to each request and records every request
 * in the log. Rate limits are checked first, on arrival, as a real API gateway does; a call
 * over budget is refused before the emulator runs (logged with fault "rate_limit"). Status
 * faults answer before the emulator runs too (nothing is written); "drop" and "truncate"
 * answer after it ran, as a real network would (the write happened).
 */
export function faultsAndLog(api: Api, deps: { faults: FaultStore; limits: LimitStore; log: RequestLog; now: SandboxDeps["now"] }): MiddlewareHandler {
  return async (c, next) => {
    const started = Date.now();
    // Logged as the arrival time: rate checks count calls by when they reached the API.
    const arrived = deps.now();
    const arrivedAt = arrived.toISOString();
    const url = new URL(c.req.url);
    const path = url.pathname + url.search;
    // Who called: ConnectWise's API member (public key), or the portal user an API token signs in as.
    const caller = api === "connectwise" ? (parseBasic(c.req.header("authorization"))?.publicKey ?? null) : apiTokenLogin(c.req.header("authorization"));
    const record = (status: number, fault: string | null) =>
      deps.log.record({ at: arrivedAt, api, method: c.req.method, path, status, ms: Date.now() - started, fault, caller });

    const { refusedBy, account } = deps.limits.admit(api, c.req.method, url.pathname, caller, arrived);
    const finish = (res: Response) => (account ? withRateHeaders(res, account) : res);
    if (refusedBy) {
      // Drained, never parsed: cancelling an unread body makes workerd raise after the 429 is sent.
      await c.req.raw.arrayBuffer().catch(() => undefined);
      record(429, "rate_limit");
      return finish(rateLimitedResponse(api, refusedBy));
    }

    const picked = deps.faults.pick(api, c.req.method, url.pathname);
    const kind: FaultKind | null = picked?.kind ?? null;
    if (picked && (kind === "429" || kind === "500" || kind === "502" || kind === "503")) {
      await c.req.raw.arrayBuffer().catch(() => undefined); // refused unread, as a real gateway would (drained: cancelling makes workerd raise after the answer)
      record(Number(kind), kind);
      return finish(faultResponse(api, kind, picked.rule));
    }
    if (picked && kind === "hang") {
      await scheduler.wait(picked.rule.hangMs);
      record(504, kind);
      return new Response("Gateway Timeout", { status: 504 });
    }
    if (picked && kind === "slow") await scheduler.wait(picked.rule.slowMs);
    await next();
    record(c.res.status, kind);
    c.res = finish(c.res);
    if (kind === "drop") c.res = dropAfterHeaders(c.res);
    if (kind === "truncate") c.res = await truncateBody(c.res);
    if (kind === "endless" && c.req.method === "GET") c.res = await endlessPaging(api, url, c.res);
  };
}
