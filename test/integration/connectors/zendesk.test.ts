import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { OAuthTokens } from "../../../src/connectors/types";
import { createPortalClient, exchangeCode } from "../../../src/connectors/zendesk";
import type { PortalAuth } from "../../../src/connectors/zendesk/auth";
import { AppError } from "../../../src/lib/errors";
import { DEMO_CLUSTERS, DEMO_PORTAL } from "../../../sandbox/src/demo-data";
import { routeFetchToSandbox, SANDBOX_ORIGIN, sandboxControl } from "../../setup/sandbox";
import { addFault, lastRequestId, portalAuthorizationCode, sandboxRequests, viaGlobalFetch } from "./helpers";

const BASE = `${SANDBOX_ORIGIN}/zendesk`;
const REDIRECT = "http://localhost:8787/onboarding/portal/callback";
const apiToken: PortalAuth = { kind: "api_token", email: DEMO_PORTAL.userEmail, apiToken: DEMO_PORTAL.apiToken };
const client = (auth: PortalAuth = apiToken, onTokens?: (t: OAuthTokens) => void) =>
  createPortalClient({ fetch: viaGlobalFetch, baseUrl: BASE, auth, onTokens, clusterFieldId: DEMO_PORTAL.clusterFieldId });

async function freshTokens(): Promise<OAuthTokens> {
  const grant = await portalAuthorizationCode({
    clientId: DEMO_PORTAL.oauthClientId,
    redirectUri: REDIRECT,
    email: DEMO_PORTAL.userEmail,
    password: DEMO_PORTAL.password,
  });
  return exchangeCode({
    fetch: viaGlobalFetch,
    baseUrl: BASE,
    clientId: DEMO_PORTAL.oauthClientId,
    clientSecret: DEMO_PORTAL.oauthClientSecret,
    ...grant,
    redirectUri: REDIRECT,
  });
}
const oauth = (t: OAuthTokens): PortalAuth => ({ kind: "oauth", ...t, clientId: DEMO_PORTAL.oauthClientId, clientSecret: DEMO_PORTAL.oauthClientSecret });

describe("portal client against the sandbox", () => {
  let spy: ReturnType<typeof routeFetchToSandbox>;
  beforeAll(async () => {
    await sandboxControl("/reset", { method: "POST" });
  });
  beforeEach(() => {
    spy = routeFetchToSandbox();
  });
  afterEach(async () => {
    spy.mockRestore();
    await sandboxControl("/faults", { method: "DELETE" });
  });

  it("pages through the end user's requests, newest change first, with ClusterIDs", async () => {
    const portal = client();
    const since = await lastRequestId("zendesk");
    const seen = [];
    let cursor: string | null = null;
    do {
      const page = await portal.listRequests({ cursor, pageSize: 3 });
      seen.push(...page.tickets);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.length).toBeGreaterThan(3);
    const updated = seen.map((t) => t.updatedAt);
    expect(updated).toEqual([...updated].sort().reverse());
    const clusters: string[] = DEMO_CLUSTERS.map((c) => c.clusterId);
    expect(seen.some((t) => t.clusterId !== null && clusters.includes(t.clusterId))).toBe(true);
    expect(portal.calls).toBe((await sandboxRequests("zendesk", since)).length);
  });

  it("gets one request, and null for one that does not exist", async () => {
    const portal = client();
    const [first] = (await portal.listRequests({ cursor: null, pageSize: 1 })).tickets;
    expect(await portal.getRequest(first!.id)).toEqual(first);
    expect(await portal.getRequest(999_999_999)).toBeNull();
  });

  it("adds a comment that then appears, oldest first, as plain text", async () => {
    const portal = client();
    const open = (await portal.listRequests({ cursor: null, pageSize: 100 })).tickets.find((t) => t.status !== "closed")!;
    const before = await portal.listComments(open.id);
    const text = `Mirrored from ConnectWise ${crypto.randomUUID()}`;
    await portal.addComment(open.id, text, { public: true });
    const after = await portal.listComments(open.id);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ body: text, public: true, attachmentCount: 0 });
    const times = after.map((c) => c.createdAt);
    expect(times).toEqual([...times].sort());
  });

  it("knows who it acts as", async () => {
    expect(await client().me()).toMatchObject({ email: DEMO_PORTAL.userEmail });
  });

  it("onboards with the OAuth code grant and rotates tokens through a refresh", async () => {
    const initial = await freshTokens();
    const onTokens = vi.fn<(t: OAuthTokens) => void>();
    // The stored expiry says "about to expire": the client must refresh before calling.
    const portal = client(oauth({ ...initial, expiresAt: new Date(Date.now() + 10_000).toISOString() }), onTokens);
    const page = await portal.listRequests({ cursor: null, pageSize: 1 });
    expect(page.tickets).toHaveLength(1);
    expect(onTokens).toHaveBeenCalledTimes(1);
    const rotated = onTokens.mock.calls[0]![0];
    expect(rotated.accessToken).not.toBe(initial.accessToken);
    expect(rotated.refreshToken).not.toBe(initial.refreshToken);
    expect(Date.parse(rotated.expiresAt)).toBeGreaterThan(Date.now() + 60_000);

    // The old pair is dead: its access token is refused and its refresh token cannot revive it.
    const stale = client(oauth({ ...initial, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }));
    const err = await stale.listRequests({ cursor: null, pageSize: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("unauthorized");
    expect(stale.calls).toBe(2); // the refused call and the refused refresh, nothing more

    // The rotated pair works.
    expect((await client(oauth(rotated)).listRequests({ cursor: null, pageSize: 1 })).tickets).toHaveLength(1);
  });

  it("refreshes once after a 401 and repeats the call", async () => {
    const initial = await freshTokens();
    const onTokens = vi.fn<(t: OAuthTokens) => void>();
    const since = await lastRequestId("zendesk");
    const portal = client(oauth({ ...initial, accessToken: "revoked-elsewhere", expiresAt: new Date(Date.now() + 3_600_000).toISOString() }), onTokens);
    expect((await portal.listRequests({ cursor: null, pageSize: 1 })).tickets).toHaveLength(1);
    expect(onTokens).toHaveBeenCalledTimes(1);
    const log = await sandboxRequests("zendesk", since);
    expect(log.map((r) => [r.method, r.path.split("?")[0], r.status])).toEqual([
      ["GET", "/zendesk/api/v2/requests", 401],
      ["POST", "/zendesk/oauth/tokens", 200],
      ["GET", "/zendesk/api/v2/requests", 200],
    ]);
    expect(portal.calls).toBe(3);
  });

  it("reports 429 with Retry-After and 5xx as retryable AppErrors", async () => {
    const portal = client();
    await addFault({ api: "zendesk", rate: 1, kinds: ["429"], retryAfterSeconds: 11, pathContains: "/api/v2/requests" });
    await expect(portal.listRequests({ cursor: null, pageSize: 1 })).rejects.toMatchObject({ code: "rate_limited", retryAfter: 11 });
    await sandboxControl("/faults", { method: "DELETE" });
    await addFault({ api: "zendesk", rate: 1, kinds: ["500"], pathContains: "/api/v2/requests" });
    await expect(portal.listRequests({ cursor: null, pageSize: 1 })).rejects.toMatchObject({ code: "upstream_unavailable" });
  });
});
