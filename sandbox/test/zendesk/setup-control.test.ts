import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { basicToken, ORIGIN, resetSandbox, USER_AUTH, ZD, type RequestJson } from "./helpers";

beforeAll(resetSandbox);

const post = (path: string, body: unknown) =>
  SELF.fetch(`${ORIGIN}/_sandbox${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("portal end users and bulk requests (control, for load runs)", () => {
  it("adds an end user once, who then sees only their own bulk-created requests and comments", async () => {
    expect((await post("/zendesk/end-users", { email: "it@load-7.test", apiToken: "load-7-token" })).status).toBe(201);
    expect((await post("/zendesk/end-users", { email: "it@load-7.test", apiToken: "load-7-token" })).status).toBe(200);
    const bulk = await post("/zendesk/requests/bulk", { email: "it@load-7.test", count: 3, comments: 2, subjectPrefix: "load 7", clusterIds: ["CZJ1234ABC"] });
    expect(bulk.status).toBe(201);
    const { ids } = (await bulk.json()) as { ids: number[] };
    expect(ids).toHaveLength(3);

    const auth = basicToken("it@load-7.test", "load-7-token");
    const mine = (await (await SELF.fetch(`${ZD}/api/v2/requests?sort_by=updated_at&sort_order=desc`, { headers: { authorization: auth } })).json()) as { requests: RequestJson[] };
    expect(mine.requests.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(mine.requests[0]!.custom_fields).toContainEqual({ id: 360001234567, value: "CZJ1234ABC" });
    const comments = (await (await SELF.fetch(`${ZD}/api/v2/requests/${ids[0]}/comments`, { headers: { authorization: auth } })).json()) as { comments: { body: string }[] };
    expect(comments.comments.map((c) => c.body)).toEqual(["load 7 0: description", "load 7 0: comment 0", "load 7 0: comment 1"]);

    const demo = (await (await SELF.fetch(`${ZD}/api/v2/requests?per_page=100`, { headers: { authorization: USER_AUTH } })).json()) as { requests: RequestJson[] };
    expect(demo.requests.some((r) => ids.includes(r.id))).toBe(false);
  });

  it("refuses bad bodies and unknown users clearly", async () => {
    expect((await post("/zendesk/end-users", { email: "not-an-email", apiToken: "x" })).status).toBe(400);
    expect((await post("/zendesk/requests/bulk", { email: "it@load-7.test", count: 0 })).status).toBe(400);
    expect((await post("/zendesk/requests/bulk", { email: "nobody@nowhere.test", count: 1 })).status).toBe(404);
  });
});
