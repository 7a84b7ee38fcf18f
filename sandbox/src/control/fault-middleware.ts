import type { MiddlewareHandler } from "hono";
import { parseBasic } from "../connectwise/auth";
import type { SandboxDeps } from "../deps";
import type { Api, FaultKind, FaultStore } from "./faults";
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

function faultResponse(api: Api, kind: "429" | "500" | "502" | "503", retryAfterSeconds: number): Response {
  const status = Number(kind);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (status === 429) headers["Retry-After"] = String(retryAfterSeconds);
  return new Response(JSON.stringify(errorBody(api, status)), { status, headers });
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
 * Applies the fault rules of `api` to each request and records every request in the log.
 * Status faults answer before the emulator runs (nothing is written); "drop" and
 * "truncate" answer after it ran, as a real network would (the write happened).
 */
export function faultsAndLog(api: Api, deps: { faults: FaultStore; log: RequestLog; now: SandboxDeps["now"] }): MiddlewareHandler {
  return async (c, next) => {
    const started = Date.now();
    // Logged as the arrival time: rate checks count calls by when they reached the API.
    const arrivedAt = deps.now().toISOString();
    const url = new URL(c.req.url);
    const path = url.pathname + url.search;
    const picked = deps.faults.pick(api, c.req.method, url.pathname);
    const kind: FaultKind | null = picked?.kind ?? null;
    const caller = api === "connectwise" ? (parseBasic(c.req.header("authorization"))?.publicKey ?? null) : null;
    const record = (status: number) =>
      deps.log.record({ at: arrivedAt, api, method: c.req.method, path, status, ms: Date.now() - started, fault: kind, caller });

    if (picked && (kind === "429" || kind === "500" || kind === "502" || kind === "503")) {
      await c.req.raw.body?.cancel(); // the request is refused unread, as a real gateway would
      record(Number(kind));
      return faultResponse(api, kind, picked.rule.retryAfterSeconds);
    }
    if (picked && kind === "hang") {
      await scheduler.wait(picked.rule.hangMs);
      record(504);
      return new Response("Gateway Timeout", { status: 504 });
    }
    if (picked && kind === "slow") await scheduler.wait(picked.rule.slowMs);
    await next();
    record(c.res.status);
    if (kind === "drop") c.res = dropAfterHeaders(c.res);
    if (kind === "truncate") c.res = await truncateBody(c.res);
    if (kind === "endless" && c.req.method === "GET") c.res = await endlessPaging(api, url, c.res);
  };
}
