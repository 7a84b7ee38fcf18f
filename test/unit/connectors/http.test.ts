import { describe, expect, it } from "vitest";
import { z } from "zod";
import { codeForStatus, createHttpClient, parseRetryAfter, UpstreamError, withQuery } from "../../../src/connectors/http";
import { describeConnectWiseError } from "../../../src/connectors/connectwise/normalise";
import { AppError } from "../../../src/lib/errors";
import { json, scriptedFetch } from "./fake-fetch";

const schema = z.object({ id: z.number(), name: z.string() });
const client = (fetch: ReturnType<typeof scriptedFetch>, timeoutMs?: number) =>
  createHttpClient({ fetch, api: "connectwise", describeError: describeConnectWiseError, timeoutMs, now: () => Date.parse("2026-04-01T12:00:00Z") });
const URL_ = "https://cw.example/v4_6_release/apis/3.0/service/tickets/5?conditions=summary%3D%22secret%20subject%22";
const headers = { Authorization: "Basic c2VjcmV0LWtleQ==" };

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  expect(err).toBeInstanceOf(AppError);
  return err as UpstreamError;
}

describe("Retry-After", () => {
  const now = Date.parse("2026-04-01T12:00:00Z");
  it("reads delta-seconds and HTTP-dates", () => {
    expect(parseRetryAfter("7", now)).toBe(7);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Wed, 01 Apr 2026 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Wed, 01 Apr 2026 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores what it cannot read", () => {
    for (const v of [null, "", "soon", "-5", "1.5", "12abc"]) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe("status → AppError code", () => {
  it.each([
    [429, "rate_limited"],
    [500, "upstream_unavailable"],
    [502, "upstream_unavailable"],
    [503, "upstream_unavailable"],
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not_found"],
    [409, "conflict"],
    [400, "invalid_payload"],
    [422, "invalid_payload"],
    [405, "invalid_payload"],
  ])("%i → %s", (status, code) => expect(codeForStatus(status)).toBe(code));
});

describe("the shared HTTP client", () => {
  it("parses a good body and counts the call", async () => {
    const fetch = scriptedFetch(json({ id: 5, name: "x", extra: true }));
    const http = client(fetch);
    const res = await http.send({ url: URL_, headers, schema });
    expect(res.data).toEqual({ id: 5, name: "x" });
    expect(http.calls).toBe(1);
    expect(fetch.seen[0]!.headers.get("authorization")).toBe(headers.Authorization);
  });

  it("maps 429 to rate_limited with Retry-After seconds", async () => {
    const http = client(scriptedFetch(json({ code: "TooManyRequests", message: "Too many requests" }, 429, { "Retry-After": "7" })));
    const err = await failure(http.send({ url: URL_, headers, schema }));
    expect(err.code).toBe("rate_limited");
    expect(err.retryAfter).toBe(7);
    expect(err.retryable).toBe(true);
  });

  it("maps 429 with an HTTP-date and the guide's `error` key", async () => {
    const res = json({ error: "ConnectWiseAPI", message: "Too many requests. Please try again in 30 seconds." }, 429, {
      "Retry-After": "Wed, 01 Apr 2026 12:00:30 GMT",
    });
    const err = await failure(client(scriptedFetch(res)).send({ url: URL_, headers, schema }));
    expect(err.retryAfter).toBe(30);
    expect(err.upstreamCodes).toEqual(["ConnectWiseAPI"]);
  });

  it("maps 5xx to upstream_unavailable, keeping a Retry-After when given", async () => {
    const err = await failure(
      client(scriptedFetch(json({ code: "ServerError", message: "boom" }, 503, { "Retry-After": "3" }))).send({ url: URL_, headers, schema }),
    );
    expect(err.code).toBe("upstream_unavailable");
    expect(err.retryAfter).toBe(3);
  });

  it("classifies other 4xx in its own words, with the upstream codes and field names only", async () => {
    const body = {
      code: "InvalidObject",
      message: "ticket object is invalid <a href=https://evil.example>fix</a>",
      errors: [{ code: "MissingRequiredField", message: "The summary field is required. Call +1 555 0100", resource: "ticket", field: "summary" }],
    };
    const err = await failure(client(scriptedFetch(json(body, 400))).send({ method: "POST", url: URL_, headers, json: { summary: "" }, schema }));
    expect(err.code).toBe("invalid_payload");
    expect(err.message).toContain("HTTP 400 — a required field is missing (field summary) [InvalidObject, MissingRequiredField]");
    for (const upstreamText of ["evil.example", "<a", "555 0100", "object is invalid"]) expect(err.message).not.toContain(upstreamText);
    expect(err.upstreamCodes).toEqual(["InvalidObject", "MissingRequiredField"]);
    expect(err.retryable).toBe(false);
  });

  it.each([
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not_found"],
    [409, "conflict"],
  ] as const)("maps %i to %s", async (status, code) => {
    const err = await failure(client(scriptedFetch(json({ code: "X", message: "m" }, status))).send({ url: URL_, headers, schema }));
    expect(err.code).toBe(code);
    expect(err.httpStatus).toBe(status);
  });

  it("quotes a plain-text routing error", async () => {
    const res = new Response("Cannot route. Codebase/company is invalid", { status: 404, headers: { "content-type": "text/plain" } });
    const err = await failure(client(scriptedFetch(res)).send({ url: URL_, headers, schema }));
    expect(err.message).toContain("Cannot route");
  });

  it("never puts credentials, the query or bodies in messages", async () => {
    const res = new Response("<html>secret page body</html>", { status: 500, headers: { "content-type": "text/html" } });
    const err = await failure(client(scriptedFetch(res)).send({ method: "POST", url: URL_, headers, json: { text: "secret note" }, schema }));
    for (const secret of ["c2VjcmV0LWtleQ", "secret", "conditions"]) expect(err.message).not.toContain(secret);
    expect(err.message).toContain("/service/tickets/5");
  });

  it("maps a network error and a timeout to upstream_unavailable", async () => {
    const broken = scriptedFetch(() => {
      throw new TypeError("Network connection lost.");
    });
    expect((await failure(client(broken).send({ url: URL_, headers, schema }))).code).toBe("upstream_unavailable");

    const hanging = scriptedFetch(
      (req) =>
        new Promise<Response>((_, reject) => {
          void req;
          setTimeout(() => reject(new DOMException("The operation was aborted due to timeout", "TimeoutError")), 5);
        }),
    );
    const err = await failure(client(hanging, 10).send({ url: URL_, headers, schema }));
    expect(err.code).toBe("upstream_unavailable");
    expect(err.message).toMatch(/timed out after 10 ms/);
  });

  it("aborts a slow upstream at the per-call timeout", async () => {
    const slow: Parameters<typeof createHttpClient>[0]["fetch"] = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const http = createHttpClient({ fetch: slow, api: "zendesk", describeError: () => ({ message: null, codes: [] }), timeoutMs: 20 });
    const err = await failure(http.send({ url: URL_, schema }));
    expect(err.message).toMatch(/timed out/);
    expect(http.calls).toBe(1);
  });

  it("treats a truncated or unparseable 2xx body as upstream_unavailable", async () => {
    const text = JSON.stringify({ id: 5, name: "a long enough name" });
    const err = await failure(client(scriptedFetch(new Response(text.slice(0, 12), { status: 200 }))).send({ url: URL_, headers, schema }));
    expect(err.code).toBe("upstream_unavailable");
    expect(err.retryable).toBe(true);
  });

  it("retries a 4xx whose JSON error body was cut off (its meaning is unknown), but rejects a whole one", async () => {
    const body = JSON.stringify({ code: "InvalidObject", errors: [{ code: "ObjectExists", message: "already attached" }] });
    const cut = new Response(body.slice(0, 20), { status: 400, headers: { "content-type": "application/json" } });
    const err = await failure(client(scriptedFetch(cut)).send({ url: URL_, headers, schema }));
    expect(err.code).toBe("upstream_unavailable");
    expect(err.message).toMatch(/HTTP 400 with a truncated error body/);
    const whole = await failure(
      client(scriptedFetch(new Response(body, { status: 400, headers: { "content-type": "application/json" } }))).send({ url: URL_, headers, schema }),
    );
    expect(whole.code).toBe("invalid_payload");
    const plain = await failure(
      client(scriptedFetch(new Response("Bad request", { status: 400, headers: { "content-type": "text/plain" } }))).send({ url: URL_, headers, schema }),
    );
    expect(plain.code).toBe("invalid_payload");
  });

  it("treats a dropped body stream as upstream_unavailable", async () => {
    const stream = new ReadableStream({ pull: (c) => c.error(new Error("reset")) });
    const err = await failure(client(scriptedFetch(new Response(stream, { status: 200 }))).send({ url: URL_, headers, schema }));
    expect(err.code).toBe("upstream_unavailable");
  });

  it("names the failing path of a schema mismatch, not the value", async () => {
    const err = await failure(client(scriptedFetch(json({ id: "secret-value", name: "x" }))).send({ url: URL_, headers, schema }));
    expect(err.code).toBe("invalid_payload");
    expect(err.message).toContain("at id");
    expect(err.message).not.toContain("secret-value");
  });

  it("counts every attempt, failed ones included", async () => {
    const http = client(scriptedFetch(json({}, 500), json({ id: 1, name: "a" }), json("oops", 200)));
    await http.send({ url: URL_, schema }).catch(() => undefined);
    await http.send({ url: URL_, schema });
    await http.send({ url: URL_, schema }).catch(() => undefined);
    expect(http.calls).toBe(3);
  });
});

describe("withQuery", () => {
  it("percent-encodes values, including + and spaces", () => {
    expect(withQuery("https://x/y", { conditions: 'a="1+2 b"', page: 2, skip: undefined })).toBe("https://x/y?conditions=a%3D%221%2B2%20b%22&page=2");
  });
});
