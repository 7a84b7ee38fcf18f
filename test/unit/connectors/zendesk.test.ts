import { describe, expect, it, vi } from "vitest";
import { createPortalClient } from "../../../src/connectors/zendesk";
import type { PortalAuth } from "../../../src/connectors/zendesk/auth";
import { buildAuthorizeUrl, pkcePair } from "../../../src/connectors/zendesk/oauth";
import { AppError } from "../../../src/lib/errors";
import { json, scriptedFetch } from "./fake-fetch";

const BASE = "https://portal.example/";
const CLUSTER = 360001234567;
const NOW = Date.parse("2026-04-01T12:00:00Z");
const apiToken: PortalAuth = { kind: "api_token", email: "it@acme-msp.test", apiToken: "tok" };
const oauth = (expiresAt: string): PortalAuth => ({
  kind: "oauth",
  accessToken: "old-access",
  refreshToken: "old-refresh",
  expiresAt,
  clientId: "psa-sync",
  clientSecret: "shh",
});

const request = (over: Record<string, unknown> = {}) => ({
  id: 42,
  url: "https://portal.example/api/v2/requests/42.json",
  subject: "Cluster down",
  description: "It stopped",
  status: "open",
  priority: "high",
  custom_fields: [{ id: CLUSTER, value: "  CZJ1234ABC  " }],
  created_at: "2026-03-01T10:00:00Z",
  updated_at: "2026-03-02T10:00:00Z",
  ...over,
});

const make = (fetch: ReturnType<typeof scriptedFetch>, auth: PortalAuth = apiToken, onTokens = vi.fn()) =>
  createPortalClient({ fetch, baseUrl: BASE, auth, clusterFieldId: CLUSTER, onTokens, now: () => NOW });

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return (err as AppError).code;
}

describe("portal requests: normalisation", () => {
  it("maps a request, tolerating extra fields and mixed custom field values", async () => {
    const fields = [
      { id: 1, value: true },
      { id: 2, value: ["a", "b"] },
      { id: 3, value: 7 },
      { id: 4, value: null },
      { id: CLUSTER, value: " CZJ5678DEF " },
    ];
    const fetch = scriptedFetch(json({ request: request({ custom_fields: fields, via: { channel: "web" }, brand_new_field: { x: 1 } }) }));
    const ticket = await make(fetch).getRequest(42);
    expect(ticket).toEqual({
      id: 42,
      subject: "Cluster down",
      description: "It stopped",
      status: "open",
      priority: "high",
      clusterId: "CZJ5678DEF",
      requesterId: null,
      organizationId: null,
      createdAt: "2026-03-01T10:00:00Z",
      updatedAt: "2026-03-02T10:00:00Z",
    });
    expect(fetch.seen[0]!.url).toBe("https://portal.example/api/v2/requests/42");
    expect(fetch.seen[0]!.headers.get("authorization")).toBe(`Basic ${btoa("it@acme-msp.test/token:tok")}`);
  });

  it("reads null or missing priority, empty ClusterID and missing custom fields as null", async () => {
    const fetch = scriptedFetch(
      json({ request: request({ priority: null, custom_fields: [{ id: CLUSTER, value: "   " }] }) }),
      json({ request: request({ priority: undefined, custom_fields: undefined, description: null }) }),
      json({ request: request({ custom_fields: [{ id: CLUSTER, value: 12345 }] }) }),
    );
    const client = make(fetch);
    expect(await client.getRequest(42)).toMatchObject({ priority: null, clusterId: null });
    expect(await client.getRequest(42)).toMatchObject({ priority: null, clusterId: null, description: "" });
    expect(await client.getRequest(42)).toMatchObject({ clusterId: "12345" });
  });

  it("returns null for a request that is not there", async () => {
    expect(await make(scriptedFetch(json({ error: "RecordNotFound", description: "Not found" }, 404))).getRequest(7)).toBeNull();
  });

  it.each([
    ["a wrong type", { request: request({ id: "42" }) }],
    ["an unknown status", { request: request({ status: "escalated" }) }],
    ["a missing envelope", request()],
    ["missing timestamps", { request: request({ updated_at: undefined }) }],
  ])("refuses %s as invalid_payload", async (_, body) => {
    expect(await codeOf(make(scriptedFetch(json(body))).getRequest(42))).toBe("invalid_payload");
  });

  it("treats truncated JSON as upstream_unavailable", async () => {
    const text = JSON.stringify({ request: request() });
    expect(await codeOf(make(scriptedFetch(new Response(text.slice(0, 40)))).getRequest(42))).toBe("upstream_unavailable");
  });

  it("pages requests by updated_at with cursors", async () => {
    const fetch = scriptedFetch(
      json({ requests: [request()], meta: { has_more: true, after_cursor: "abc+/=" }, links: {} }),
      json({ requests: [], meta: { has_more: false, after_cursor: null } }),
    );
    const client = make(fetch);
    const first = await client.listRequests({ cursor: null, pageSize: 500 });
    expect(first.nextCursor).toBe("abc+/=");
    expect(first.tickets).toHaveLength(1);
    const second = await client.listRequests({ cursor: first.nextCursor, pageSize: 10 });
    expect(second.nextCursor).toBeNull();
    expect(fetch.seen[0]!.url).toBe("https://portal.example/api/v2/requests?sort_by=updated_at&sort_order=desc&page[size]=100");
    expect(fetch.seen[1]!.url).toContain("page[after]=abc%2B%2F%3D");
  });
});

describe("portal comments", () => {
  const comment = (id: number, over: Record<string, unknown> = {}) => ({
    id,
    type: "Comment",
    author_id: 9,
    body: `<p>body ${id}</p>`,
    plain_body: `body ${id}`,
    public: true,
    attachments: [],
    created_at: `2026-03-0${id}T10:00:00Z`,
    ...over,
  });

  it("follows cursor paging, prefers plain_body and counts attachments", async () => {
    const fetch = scriptedFetch(
      json({
        comments: [comment(1), comment(2, { plain_body: null, body: "fallback" })],
        meta: { has_more: true, after_cursor: "c2" },
        links: { next: "https://evil.example/steal" },
      }),
      json({ comments: [comment(3, { attachments: [{ id: 1 }, { id: 2 }] })], meta: { has_more: false, after_cursor: "c3" } }),
    );
    const comments = await make(fetch).listComments(42);
    expect(comments.map((c) => [c.id, c.body, c.attachmentCount])).toEqual([
      [1, "body 1", 0],
      [2, "fallback", 0],
      [3, "body 3", 2],
    ]);
    // The next page is built from the cursor, never from a host named in the body.
    expect(fetch.seen[1]!.url).toBe("https://portal.example/api/v2/requests/42/comments?page[size]=100&page[after]=c2");
  });

  it("follows offset next_page on the same portal only", async () => {
    const ok = scriptedFetch(
      json({ comments: [comment(2)], next_page: "https://portal.example/api/v2/requests/42/comments?page=2" }),
      json({ comments: [comment(1)], next_page: null }),
    );
    expect((await make(ok).listComments(42)).map((c) => c.id)).toEqual([1, 2]);
    const evil = scriptedFetch(json({ comments: [], next_page: "https://evil.example/api/v2/x" }));
    expect(await codeOf(make(evil).listComments(42))).toBe("invalid_payload");
  });

  it("adds a comment with the request envelope and no `public` attribute", async () => {
    const fetch = scriptedFetch(json({ request: request() }));
    await make(fetch).addComment(42, "hello", { public: true });
    expect(fetch.seen[0]!.method).toBe("PUT");
    expect(JSON.parse(fetch.seen[0]!.body)).toEqual({ request: { comment: { body: "hello" } } });
    expect(await codeOf(make(scriptedFetch()).addComment(42, "x", { public: false }))).toBe("invalid_payload");
  });

  it("passes Zendesk's 422 reason through", async () => {
    const body = {
      error: "RecordInvalid",
      description: "Record validation errors",
      details: { base: [{ description: "Comments: the ticket has reached the limit of 5000 comments", error: "CommentLimitExceeded" }] },
    };
    const err = await make(scriptedFetch(json(body, 422)))
      .addComment(42, "x", { public: true })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_payload", upstreamCodes: ["RecordInvalid", "CommentLimitExceeded"] });
    expect((err as Error).message).toContain("limit of 5000 comments");
  });
});

describe("portal OAuth", () => {
  const tokens = { access_token: "new-access", refresh_token: "new-refresh", token_type: "bearer", expires_in: 7200 };

  it("refreshes shortly before expiry and hands the rotated tokens to the caller", async () => {
    const onTokens = vi.fn();
    const fetch = scriptedFetch(json(tokens), json({ user: { id: 5, email: "it@acme-msp.test", role: "end-user" } }));
    const client = make(fetch, oauth("2026-04-01T12:00:30Z"), onTokens);
    expect(await client.me()).toEqual({ id: 5, email: "it@acme-msp.test", role: "end-user", organizationId: null });
    expect(fetch.seen[0]!.url).toBe("https://portal.example/oauth/tokens");
    expect(JSON.parse(fetch.seen[0]!.body)).toEqual({ grant_type: "refresh_token", refresh_token: "old-refresh", client_id: "psa-sync", client_secret: "shh" });
    expect(fetch.seen[1]!.headers.get("authorization")).toBe("Bearer new-access");
    expect(onTokens).toHaveBeenCalledWith({ accessToken: "new-access", refreshToken: "new-refresh", expiresAt: "2026-04-01T14:00:00.000Z" });
    expect(client.calls).toBe(2);
  });

  it("refreshes once on a 401 and repeats the call", async () => {
    const onTokens = vi.fn();
    const fetch = scriptedFetch(json({ error: "invalid_token" }, 401), json(tokens), json({ user: { id: 5, email: "e", role: "end-user" } }));
    const client = make(fetch, oauth("2026-05-01T00:00:00Z"), onTokens);
    await client.me();
    expect(fetch.seen.map((s) => s.headers.get("authorization"))).toEqual(["Bearer old-access", null, "Bearer new-access"]);
    expect(onTokens).toHaveBeenCalledTimes(1);
    expect(client.calls).toBe(3);
  });

  it("gives up with unauthorized when the refresh is refused, without looping", async () => {
    const fetch = scriptedFetch(json({ error: "invalid_token" }, 401), json({ error: "invalid_grant", error_description: "revoked" }, 400));
    const client = make(fetch, oauth("2026-05-01T00:00:00Z"));
    expect(await codeOf(client.me())).toBe("unauthorized");
    expect(client.calls).toBe(2);
  });

  it("keeps a transient token-endpoint failure retryable", async () => {
    const fetch = scriptedFetch(json({ error: "APIRateLimitExceeded" }, 429, { "Retry-After": "9" }));
    const err = await make(fetch, oauth("2026-04-01T11:00:00Z"))
      .me()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "rate_limited", retryAfter: 9 });
  });

  it("shares one refresh between concurrent calls", async () => {
    const onTokens = vi.fn();
    const me = () => json({ user: { id: 5, email: "e", role: "end-user" } });
    const fetch = scriptedFetch(json(tokens), me(), me());
    const client = make(fetch, oauth("2026-04-01T11:00:00Z"), onTokens);
    await Promise.all([client.me(), client.me()]);
    expect(onTokens).toHaveBeenCalledTimes(1);
    expect(fetch.seen.filter((s) => s.url.endsWith("/oauth/tokens"))).toHaveLength(1);
  });

  it("never retries an API-token 401", async () => {
    const client = make(scriptedFetch(json({ error: "Couldn't authenticate you" }, 401)));
    expect(await codeOf(client.me())).toBe("unauthorized");
    expect(client.calls).toBe(1);
  });

  it("builds the authorize URL with a PKCE S256 challenge", async () => {
    const pkce = await pkcePair();
    const url = new URL(
      buildAuthorizeUrl({
        baseUrl: "https://portal.example/",
        clientId: "psa-sync",
        redirectUri: "https://app/cb?x=1",
        state: "s t",
        scope: "read write",
        codeChallenge: pkce.challenge,
      }),
    );
    expect(url.origin + url.pathname).toBe("https://portal.example/oauth/authorizations/new");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "psa-sync",
      redirect_uri: "https://app/cb?x=1",
      scope: "read write",
      state: "s t",
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
    });
  });

  it("makes RFC 7636 verifiers and S256 challenges", async () => {
    const { verifier, challenge } = await pkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    expect(challenge).toBe(
      btoa(String.fromCharCode(...digest))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, ""),
    );
    expect((await pkcePair()).verifier).not.toBe(verifier);
  });
});
