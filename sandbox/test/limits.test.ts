import { env, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSandboxApp } from "../src/app";
import { DEMO_CONNECTWISE } from "../src/demo-data";
import { API, ACCEPT, cw } from "./connectwise/helpers";
import { AGENT_AUTH, ORIGIN, OTHER_AUTH, USER_AUTH, ZD, expectContract, resetSandbox, zd } from "./zendesk/helpers";

type Logged = { method: string; path: string; status: number; fault: string | null; caller: string | null };

const control = (method: string, body?: unknown) =>
  SELF.fetch(`${ORIGIN}/_sandbox/limits`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const setLimit = async (body: Record<string, unknown>) => expect((await control("POST", body)).status).toBe(200);
const logOf = async (api: string) => ((await (await SELF.fetch(`${ORIGIN}/_sandbox/requests?api=${api}`)).json()) as { requests: Logged[] }).requests;
/** A request that can still be updated (closed ones are read-only). */
const firstRequestId = async () =>
  (await zd<{ requests: { id: number; status: string }[] }>("/api/v2/requests", { auth: USER_AUTH })).json.requests.find((r) => r.status !== "closed")!.id;

describe("rate limits control (/_sandbox/limits)", () => {
  beforeEach(resetSandbox);

  it("is off by default: no limits and no usage headers", async () => {
    expect(await (await control("GET")).json()).toEqual({ limits: [] });
    const res = await zd("/api/v2/requests", { auth: USER_AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-rate-limit")).toBeNull();
  });

  it("sets, lists and clears the limits of each API", async () => {
    const zendesk = await control("POST", { api: "zendesk", perMinute: 700 });
    expect(zendesk.status).toBe(200);
    expect(await zendesk.json()).toEqual({ limits: [{ api: "zendesk", perMinute: 700, updateTicketPerMinute: 100 }] });
    await setLimit({ api: "connectwise", perMinute: 1000 });
    await setLimit({ api: "zendesk", perMinute: 2500, updateTicketPerMinute: 300 });
    expect(await (await control("GET")).json()).toEqual({
      limits: [
        { api: "zendesk", perMinute: 2500, updateTicketPerMinute: 300 },
        { api: "connectwise", perMinute: 1000 },
      ],
    });

    expect((await control("DELETE")).status).toBe(204);
    expect(await (await control("GET")).json()).toEqual({ limits: [] });

    await setLimit({ api: "zendesk", perMinute: 700 });
    expect((await SELF.fetch(`${ORIGIN}/_sandbox/reset`, { method: "POST" })).status).toBe(200);
    expect(await (await control("GET")).json()).toEqual({ limits: [] });
  });

  it("refuses bad bodies with 400", async () => {
    const bad = [
      undefined,
      { api: "salesforce", perMinute: 10 },
      { api: "zendesk" },
      { api: "zendesk", perMinute: 0 },
      { api: "zendesk", perMinute: 1.5 },
      { api: "zendesk", perMinute: "700" },
      { api: "connectwise", perMinute: 1000, updateTicketPerMinute: 5 },
      { api: "zendesk", perMinute: 700, burst: 3 },
    ];
    for (const body of bad) {
      const res = await control("POST", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_request" });
    }
    expect(await (await control("GET")).json()).toEqual({ limits: [] });
  });
});

describe("Zendesk account rate limit", () => {
  beforeEach(resetSandbox);
  afterEach(async () => void (await control("DELETE")));

  it("counts calls down in X-Rate-Limit-Remaining, then refuses with 429 and Retry-After without writing", async () => {
    const id = await firstRequestId(); // before the limit: not counted
    await setLimit({ api: "zendesk", perMinute: 3 });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await zd(`/api/v2/requests/${id}/comments`, { auth: USER_AUTH });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-rate-limit")).toBe("3");
      remaining.push(res.headers.get("x-rate-limit-remaining"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const refused = await zd(`/api/v2/requests/${id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "over the limit" } } } });
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ error: "APIRateLimitExceeded", description: "Number of allowed API requests per minute exceeded" });
    expectContract("PUT", "/api/v2/requests/{request_id}", 429, refused.json);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("x-rate-limit")).toBe("3");
    expect(refused.headers.get("x-rate-limit-remaining")).toBe("0");

    const log = await logOf("zendesk");
    expect(log.at(-1)).toMatchObject({ method: "PUT", status: 429, fault: "rate_limit" });
    expect(log.filter((r) => r.fault === "rate_limit")).toHaveLength(1);

    await control("DELETE");
    const comments = await zd<{ comments: { body: string }[] }>(`/api/v2/requests/${id}/comments`, { auth: USER_AUTH });
    expect(comments.json.comments.map((c) => c.body)).not.toContain("over the limit");
  });

  it("shares one budget across every user and token of the account", async () => {
    await setLimit({ api: "zendesk", perMinute: 2 });
    expect((await zd("/api/v2/requests", { auth: USER_AUTH })).status).toBe(200);
    expect((await zd("/api/v2/tickets", { auth: AGENT_AUTH })).status).toBe(200);
    const third = await zd("/api/v2/requests", { auth: OTHER_AUTH });
    expect(third.status).toBe(429);
    // Unauthenticated calls are API calls too: refused before the 401.
    expect((await zd("/api/v2/requests")).status).toBe(429);
  });

  it("does not count OAuth pages, token calls or control routes", async () => {
    await setLimit({ api: "zendesk", perMinute: 1 });
    await SELF.fetch(`${ZD}/oauth/authorizations/new?response_type=code&client_id=nobody`, { redirect: "manual" });
    const token = await SELF.fetch(`${ZD}/oauth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "refresh_token", refresh_token: "x" }),
    });
    expect(token.status).not.toBe(429);
    expect(token.headers.get("x-rate-limit")).toBeNull();
    await SELF.fetch(`${ORIGIN}/_sandbox/requests`);
    const first = await zd("/api/v2/requests", { auth: USER_AUTH });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-rate-limit-remaining")).toBe("0");
    expect((await zd("/api/v2/requests", { auth: USER_AUTH })).status).toBe(429);
  });

  it("limits Update Ticket (PUT /api/v2/tickets/{id}) per account, within the account budget", async () => {
    const id = await firstRequestId();
    await setLimit({ api: "zendesk", perMinute: 100, updateTicketPerMinute: 2 });
    const update = (p: string) => zd(`/api/v2/tickets/${id}${p}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { priority: "high" } } });
    expect((await update("")).headers.get("x-rate-limit-remaining")).toBe("99");
    expect((await update(".json")).status).toBe(200);
    const refused = await update("");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("x-rate-limit-remaining")).toBe("98"); // the refused update took no account slot
    // Reads and the end user's request update are not Update Ticket.
    expect((await zd(`/api/v2/tickets/${id}`, { auth: AGENT_AUTH })).headers.get("x-rate-limit-remaining")).toBe("97");
    expect((await zd(`/api/v2/requests/${id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "still fine" } } } })).status).toBe(200);
  });

  it("leaves ConnectWise alone", async () => {
    await setLimit({ api: "zendesk", perMinute: 1 });
    for (let i = 0; i < 3; i++) expect((await cw("/service/boards")).status).toBe(200);
  });
});

describe("ConnectWise rate limit per API member", () => {
  beforeEach(resetSandbox);
  afterEach(async () => void (await control("DELETE")));

  const asMember = (publicKey: string, privateKey: string) =>
    SELF.fetch(`${API}/service/boards`, {
      headers: { Authorization: `Basic ${btoa(`acme+${publicKey}:${privateKey}`)}`, clientId: DEMO_CONNECTWISE.clientId, Accept: ACCEPT },
    });

  it("throttles one member with 429 and Retry-After in ConnectWise's error shape, not another", async () => {
    const added = await SELF.fetch(`${ORIGIN}/_sandbox/connectwise/api-members`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ publicKey: "tenant-2-public", privateKey: "tenant-2-private" }),
    });
    expect(added.status).toBe(201);
    const ticket = ((await (await cw("/service/tickets?pageSize=1")).json()) as { id: number }[])[0]!;
    await setLimit({ api: "connectwise", perMinute: 2 });

    expect((await cw("/service/boards")).status).toBe(200);
    expect((await cw(`/service/tickets/${ticket.id}/notes`)).status).toBe(200);
    const refused = await cw(`/service/tickets/${ticket.id}/notes`, { method: "POST", body: { text: "over the limit", internalAnalysisFlag: true } });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({ code: "TooManyRequests", message: `Too many requests. Please try again in ${retryAfter} seconds.`, errors: null });
    expect(refused.headers.get("x-rate-limit")).toBeNull();

    // Another member has its own budget.
    expect((await asMember("tenant-2-public", "tenant-2-private")).status).toBe(200);
    expect((await asMember("tenant-2-public", "tenant-2-private")).status).toBe(200);
    expect((await asMember("tenant-2-public", "tenant-2-private")).status).toBe(429);

    const log = await logOf("connectwise");
    expect(log.filter((r) => r.fault === "rate_limit").map((r) => [r.caller, r.method, r.status])).toEqual([
      [DEMO_CONNECTWISE.publicKey, "POST", 429],
      ["tenant-2-public", "GET", 429],
    ]);

    await control("DELETE");
    const notes = (await (await cw(`/service/tickets/${ticket.id}/notes`)).json()) as { text: string }[];
    expect(notes.map((n) => n.text)).not.toContain("over the limit");
  });
});

describe("the window on the sandbox's clock", () => {
  beforeEach(resetSandbox);

  it("frees a slot 60 s after the oldest counted call", async () => {
    const stub = env.WORLD.get(env.WORLD.idFromName("world"));
    const results = await runInDurableObject(stub, async (_instance, state) => {
      let clock = Date.parse("2026-05-01T10:00:00Z");
      const sandbox = createSandboxApp({ sql: state.storage.sql, now: () => new Date(clock), defer: () => {}, fetch: (i, init) => fetch(i, init) });
      const call = async (atSeconds: number) => {
        clock = Date.parse("2026-05-01T10:00:00Z") + atSeconds * 1000;
        const res = await sandbox.app.fetch(new Request(`${ZD}/api/v2/requests`, { headers: { authorization: USER_AUTH } }), env);
        return [atSeconds, res.status, res.headers.get("retry-after"), res.headers.get("x-rate-limit-remaining")];
      };
      await sandbox.app.fetch(new Request(`${ORIGIN}/_sandbox/limits`, { method: "POST", body: JSON.stringify({ api: "zendesk", perMinute: 2 }) }), env);
      const out: unknown[][] = [];
      for (const at of [0, 10, 20, 59.999, 60, 61, 70]) out.push(await call(at));
      await sandbox.app.fetch(new Request(`${ORIGIN}/_sandbox/limits`, { method: "DELETE" }), env);
      return out;
    });
    expect(results).toEqual([
      [0, 200, null, "1"],
      [10, 200, null, "0"],
      [20, 429, "40", "0"],
      [59.999, 429, "1", "0"],
      [60, 200, null, "0"], // the call at 0 s expired
      [61, 429, "9", "0"], // the call at 10 s holds its slot until 70 s
      [70, 200, null, "0"],
    ]);
  });
});
