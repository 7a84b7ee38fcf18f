import { SELF } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ORIGIN, USER_AUTH, expectContract, resetSandbox, zd } from "./helpers";

const setFaults = (rule: Record<string, unknown>) =>
  SELF.fetch(`${ORIGIN}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });

describe("Zendesk errors and injected faults", () => {
  beforeAll(resetSandbox);
  afterEach(async () => {
    await SELF.fetch(`${ORIGIN}/_sandbox/faults`, { method: "DELETE" });
  });

  it("refuses a comment body over 64 KB with RecordInvalid, and takes one just under it", async () => {
    const created = await zd<{ request: { id: number } }>("/api/v2/requests", {
      method: "POST",
      auth: USER_AUTH,
      body: { request: { subject: "Big", comment: { body: "first" } } },
    });
    const id = created.json.request.id;
    const tooBig = await zd(`/api/v2/requests/${id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "é".repeat(33_000) } } } });
    expect(tooBig.status).toBe(422);
    expect(tooBig.json).toMatchObject({ error: "RecordInvalid", details: { body: [expect.objectContaining({ error: "TooLong" })] } });
    const fits = await zd(`/api/v2/requests/${id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "x".repeat(65_000) } } } });
    expect(fits.status).toBe(200);
  });

  it("answers unknown endpoints with InvalidEndpoint", async () => {
    for (const path of ["/api/v2/nothing_here", "/api/v2/requests/abc", "/elsewhere"]) {
      const res = await zd(path, { auth: USER_AUTH });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: "InvalidEndpoint", description: "Not found" });
    }
    const missing = await zd("/api/v2/requests/424242", { auth: USER_AUTH });
    expect(missing.json).toEqual({ error: "RecordNotFound", description: "Not found" });
  });

  it("injects 429 with Retry-After and Zendesk's body, then recovers once faults are cleared", async () => {
    expect((await setFaults({ api: "zendesk", rate: 1, kinds: ["429"], retryAfterSeconds: 7 })).status).toBe(201);
    const limited = await zd("/api/v2/requests", { auth: USER_AUTH });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.json.error).toBe("APIRateLimitExceeded");
    expectContract("GET", "/api/v2/requests", 429, limited.json);

    expect((await SELF.fetch(`${ORIGIN}/_sandbox/faults`, { method: "DELETE" })).status).toBe(204);
    expect((await zd("/api/v2/requests", { auth: USER_AUTH })).status).toBe(200);
  });

  it("injects 500 and 503 only on matching Zendesk paths, without writing anything", async () => {
    await setFaults({ api: "zendesk", rate: 1, kinds: ["500"], pathContains: "/comments" });
    const list = await zd<{ requests: { id: number }[] }>("/api/v2/requests", { auth: USER_AUTH });
    expect(list.status).toBe(200);
    const id = list.json.requests[0]!.id;
    const failed = await zd(`/api/v2/requests/${id}/comments`, { auth: USER_AUTH });
    expect(failed.status).toBe(500);
    expect(failed.json.error).toBe("InternalServerError");

    await SELF.fetch(`${ORIGIN}/_sandbox/faults`, { method: "DELETE" });
    await setFaults({ api: "zendesk", rate: 1, kinds: ["503"], method: "PUT" });
    const before = (await zd<{ comments: unknown[] }>(`/api/v2/requests/${id}/comments`, { auth: USER_AUTH })).json.comments.length;
    const put = await zd(`/api/v2/requests/${id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "lost" } } } });
    expect(put.status).toBe(503);
    expect(put.headers.get("retry-after")).toBeNull();
    const after = (await zd<{ comments: unknown[] }>(`/api/v2/requests/${id}/comments`, { auth: USER_AUTH })).json.comments.length;
    expect(after).toBe(before);
  });

  it("sends Retry-After with a 503 only when the rule asks (maintenance)", async () => {
    await setFaults({ api: "zendesk", rate: 1, kinds: ["503"], retryAfterSeconds: 600, retryAfterOn503: true });
    const down = await zd("/api/v2/requests", { auth: USER_AUTH });
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("600");
  });

  it("does not apply ConnectWise faults to the portal", async () => {
    await setFaults({ api: "connectwise", rate: 1, kinds: ["503"] });
    expect((await zd("/api/v2/requests", { auth: USER_AUTH })).status).toBe(200);
  });
});
