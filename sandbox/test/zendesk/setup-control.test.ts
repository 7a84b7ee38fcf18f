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
    const mine = (await (await SELF.fetch(`${ZD}/api/v2/requests?sort_by=updated_at&sort_order=desc`, { headers: { authorization: auth } })).json()) as {
      requests: RequestJson[];
    };
    expect(mine.requests.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(mine.requests[0]!.custom_fields).toContainEqual({ id: 360001234567, value: "CZJ1234ABC" });
    const comments = (await (await SELF.fetch(`${ZD}/api/v2/requests/${ids[0]}/comments`, { headers: { authorization: auth } })).json()) as {
      comments: { body: string }[];
    };
    expect(comments.comments.map((c) => c.body)).toEqual(["load 7 0: description", "load 7 0: comment 0", "load 7 0: comment 1"]);

    const demo = (await (await SELF.fetch(`${ZD}/api/v2/requests?per_page=100`, { headers: { authorization: USER_AUTH } })).json()) as {
      requests: RequestJson[];
    };
    expect(demo.requests.some((r) => ids.includes(r.id))).toBe(false);
  });

  it("refuses bad bodies and unknown users clearly", async () => {
    expect((await post("/zendesk/end-users", { email: "not-an-email", apiToken: "x" })).status).toBe(400);
    expect((await post("/zendesk/requests/bulk", { email: "it@load-7.test", count: 0 })).status).toBe(400);
    expect((await post("/zendesk/requests/bulk", { email: "nobody@nowhere.test", count: 1 })).status).toBe(404);
  });
});

describe("portal users of a role and organisations (control, for identity tests)", () => {
  const me = async (auth: string) =>
    (await (await SELF.fetch(`${ZD}/api/v2/users/me.json`, { headers: { authorization: auth } })).json()) as {
      user: { id: number; role: string; organization_id: number | null };
    };
  const listed = async (auth: string) =>
    ((await (await SELF.fetch(`${ZD}/api/v2/requests?per_page=100`, { headers: { authorization: auth } })).json()) as { requests: RequestJson[] }).requests.map(
      (r) => r.id,
    );
  const create = async (auth: string, subject: string) =>
    (
      (await (
        await SELF.fetch(`${ZD}/api/v2/requests`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/json" },
          body: JSON.stringify({ request: { subject, comment: { body: subject } } }),
        })
      ).json()) as { request: { id: number; organization_id?: number } }
    ).request;

  it("/users/me tells the role and organisation; a role change applies at once, and an agent sees every request", async () => {
    expect((await post("/zendesk/users", { email: "it@role-1.test", apiToken: "role-1-token", role: "end-user" })).status).toBe(201);
    const auth = basicToken("it@role-1.test", "role-1-token");
    expect((await me(auth)).user).toMatchObject({ role: "end-user", organization_id: null });
    const own = await create(auth, "role test");
    expect(await listed(auth)).toEqual([own.id]);
    expect((await SELF.fetch(`${ZD}/api/v2/requests/1001`, { headers: { authorization: auth } })).status).toBe(404);

    expect((await post("/zendesk/users", { email: "it@role-1.test", apiToken: "ignored", role: "agent" })).status).toBe(200);
    expect((await me(auth)).user.role).toBe("agent");
    expect((await listed(auth)).length).toBeGreaterThan(1);
    expect((await SELF.fetch(`${ZD}/api/v2/requests/1001`, { headers: { authorization: auth } })).status).toBe(200);
    expect((await me(USER_AUTH)).user).toMatchObject({ role: "end-user", organization_id: 9_200_000_001 });
  });

  it("end users see their organisation's requests only when it shares tickets", async () => {
    const orgIds: number[] = [];
    for (const shared of [false, true]) {
      const res = await post("/zendesk/organizations", { name: `Org ${shared}`, sharedTickets: shared });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: number };
      orgIds.push(id);
      const a = basicToken(`a@org-${id}.test`, `a-${id}`);
      const b = basicToken(`b@org-${id}.test`, `b-${id}`);
      for (const who of ["a", "b"])
        expect((await post("/zendesk/users", { email: `${who}@org-${id}.test`, apiToken: `${who}-${id}`, role: "end-user", organizationId: id })).status).toBe(
          201,
        );
      const ra = await create(a, "a's request");
      const rb = await create(b, "b's request");
      expect(ra.organization_id).toBe(id);
      expect((await me(a)).user.organization_id).toBe(id);
      expect(await listed(a)).toEqual(shared ? [ra.id, rb.id] : [ra.id]);
      expect((await SELF.fetch(`${ZD}/api/v2/requests/${rb.id}`, { headers: { authorization: a } })).status).toBe(shared ? 200 : 404);
    }
    expect(orgIds[1]).toBeGreaterThan(orgIds[0]!);
    expect((await post("/zendesk/users", { email: "x@org.test", apiToken: "x", role: "owner" })).status).toBe(400);
  });
});
