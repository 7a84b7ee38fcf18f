import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_CLUSTERS, DEMO_PORTAL, DEMO_UNKNOWN_CLUSTER } from "../../src/demo-data";
import {
  AGENT_AUTH,
  OTHER_AUTH,
  USER_AUTH,
  basicToken,
  expectContract,
  resetSandbox,
  zd,
  type CommentJson,
  type CursorPage,
  type OffsetPage,
  type RequestJson,
} from "./helpers";

type List = { requests: RequestJson[] };
const clusterOf = (r: RequestJson) => r.custom_fields.find((f) => f.id === DEMO_PORTAL.clusterFieldId)?.value;

describe("Zendesk auth", () => {
  beforeEach(resetSandbox);

  it("accepts {email}/token:{token} Basic auth and refuses bad or missing credentials", async () => {
    expect((await zd("/api/v2/requests", { auth: USER_AUTH })).status).toBe(200);
    for (const auth of [basicToken(DEMO_PORTAL.userEmail, "wrong"), `Basic ${btoa(`${DEMO_PORTAL.userEmail}:${DEMO_PORTAL.password}`)}`, undefined]) {
      const res = await zd("/api/v2/requests", { auth });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: "Couldn't authenticate you" });
      expectContract("GET", "/api/v2/requests", 401, res.json);
    }
    const badBearer = await zd("/api/v2/requests", { auth: "Bearer not-a-token" });
    expect(badBearer.status).toBe(401);
    expect(badBearer.json.error).toBe("invalid_token");
  });
});

describe("Requests API", () => {
  beforeEach(resetSandbox);

  it("lists the end user's seeded requests with ClusterIDs, mixed statuses and priorities", async () => {
    const res = await zd<List>("/api/v2/requests", { auth: USER_AUTH });
    expect(res.status).toBe(200);
    expectContract("GET", "/api/v2/requests", 200, res.json);
    const requests = res.json.requests;
    expect(requests).toHaveLength(12);
    expect(new Set(requests.map((r) => r.status))).toEqual(new Set(["new", "open", "pending", "hold", "solved", "closed"]));
    expect(new Set(requests.map((r) => r.priority))).toEqual(new Set(["low", "normal", "high", "urgent", undefined]));
    const clusters = new Set(requests.map(clusterOf));
    for (const c of DEMO_CLUSTERS) expect(clusters).toContain(c.clusterId);
    expect(clusters).toContain(DEMO_UNKNOWN_CLUSTER);
    expect(requests.every((r) => r.requester_id === requests[0]!.requester_id)).toBe(true);
    expect(requests.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.updated_at))).toBe(true);
    // Spread over the last ten days.
    const oldest = Math.min(...requests.map((r) => Date.parse(r.created_at)));
    expect(Date.now() - oldest).toBeGreaterThan(8 * 86_400_000);
    expect(Date.now() - oldest).toBeLessThanOrEqual(10 * 86_400_000 + 60_000);
  });

  it("sorts by updated_at and filters by status", async () => {
    const desc = await zd<List>("/api/v2/requests?sort_by=updated_at&sort_order=desc", { auth: USER_AUTH });
    const times = desc.json.requests.map((r) => r.updated_at);
    expect(times).toEqual([...times].sort().reverse());
    const asc = await zd<List>("/api/v2/requests.json?sort_by=updated_at&sort_order=asc", { auth: USER_AUTH });
    expect(asc.json.requests.map((r) => r.id)).toEqual(desc.json.requests.map((r) => r.id).reverse());

    const filtered = await zd<List>("/api/v2/requests?status=open,pending", { auth: USER_AUTH });
    expect(filtered.json.requests.length).toBeGreaterThan(0);
    expect(filtered.json.requests.every((r) => r.status === "open" || r.status === "pending")).toBe(true);
  });

  it("pages with cursors forwards and backwards, with absolute links", async () => {
    const seen: number[] = [];
    let url: string | null = "/api/v2/requests?sort_by=updated_at&sort_order=desc&page[size]=5";
    let pages = 0;
    let last: CursorPage | null = null;
    while (url) {
      const res: { json: List & CursorPage } = await zd<List & CursorPage>(url, { auth: USER_AUTH });
      expectContract("GET", "/api/v2/requests", 200, res.json);
      expect(res.json.requests.length).toBeLessThanOrEqual(5);
      seen.push(...res.json.requests.map((r) => r.id));
      pages++;
      last = res.json;
      url = res.json.meta.has_more ? res.json.links.next : null;
      if (url) expect(url).toMatch(/^http:\/\/localhost:8788\/zendesk\/api\/v2\/requests\?/);
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    const all = await zd<List>("/api/v2/requests?sort_by=updated_at&sort_order=desc", { auth: USER_AUTH });
    expect(seen).toEqual(all.json.requests.map((r) => r.id));

    // Back from the last page.
    const prev = await zd<List & CursorPage>(last!.links.prev!, { auth: USER_AUTH });
    expect(prev.json.requests.map((r) => r.id)).toEqual(seen.slice(5, 10));
    expect(prev.json.meta.has_more).toBe(true);

    const bad = await zd("/api/v2/requests?page[after]=garbage!", { auth: USER_AUTH });
    expect(bad.status).toBe(400);
  });

  it("pages with offsets (page, per_page, next_page, previous_page, count)", async () => {
    const p1 = await zd<List & OffsetPage>("/api/v2/requests?per_page=5", { auth: USER_AUTH });
    expect(p1.json.count).toBe(12);
    expect(p1.json.requests).toHaveLength(5);
    expect(p1.json.previous_page).toBeNull();
    expect(p1.json.next_page).toBe("http://localhost:8788/zendesk/api/v2/requests?per_page=5&page=2");
    const p3 = await zd<List & OffsetPage>("/api/v2/requests?per_page=5&page=3", { auth: USER_AUTH });
    expect(p3.json.requests).toHaveLength(2);
    expect(p3.json.next_page).toBeNull();
    expect(p3.json.previous_page).toContain("page=2");
    const tooFar = await zd("/api/v2/requests?per_page=100&page=101", { auth: USER_AUTH });
    expect(tooFar.status).toBe(400);
  });

  it("shows a request and its public comments only, with attachments and escaped HTML", async () => {
    const list = await zd<List>("/api/v2/requests", { auth: USER_AUTH });
    const backup = list.json.requests.find((r) => r.subject === "Backup job failing nightly")!;
    const show = await zd<{ request: RequestJson }>(`/api/v2/requests/${backup.id}`, { auth: USER_AUTH });
    expect(show.status).toBe(200);
    expectContract("GET", "/api/v2/requests/{request_id}", 200, show.json);
    expect(show.json.request.description).toContain("error 0x80070057");

    const comments = await zd<{ comments: CommentJson[] }>(`/api/v2/requests/${backup.id}/comments`, { auth: USER_AUTH });
    expectContract("GET", "/api/v2/requests/{request_id}/comments", 200, comments.json);
    expect(comments.json.comments).toHaveLength(2); // the agent's internal note is hidden
    expect(comments.json.comments.every((c) => c.public)).toBe(true);
    const first = comments.json.comments[0]!;
    expect(first.body).toBe(show.json.request.description);
    expect(first.attachments[0]).toMatchObject({ file_name: "backup-log.txt", content_type: "text/plain", size: 18_204 });
    expect(first.attachments[0]!.content_url).toMatch(/^http:\/\/localhost:8788\/zendesk\/attachments\//);

    const one = await zd<{ comment: CommentJson }>(`/api/v2/requests/${backup.id}/comments/${first.id}`, { auth: USER_AUTH });
    expectContract("GET", "/api/v2/requests/{request_id}/comments/{ticket_comment_id}", 200, one.json);
    expect(one.json.comment.id).toBe(first.id);

    const desc = await zd<{ comments: CommentJson[] }>(`/api/v2/requests/${backup.id}/comments?sort_order=desc&page[size]=1`, { auth: USER_AUTH });
    expect(desc.json.comments[0]!.id).toBe(comments.json.comments[1]!.id);

    const special = list.json.requests.find((r) => r.subject.startsWith("Special characters"))!;
    const sc = await zd<{ comments: CommentJson[] }>(`/api/v2/requests/${special.id}/comments`, { auth: USER_AUTH });
    expect(sc.json.comments[0]!.body).toContain(`<script>alert("x")</script>`);
    expect(sc.json.comments[0]!.html_body).toContain("&lt;script&gt;");
    expect(sc.json.comments[0]!.html_body).not.toContain("<script>");
    expect(sc.json.comments[1]!.html_body).toContain("<code>ec-diag --full</code>");
    expect(sc.json.comments[1]!.plain_body).toContain("ec-diag --full & send us the output.");
  });

  it("hides other users' requests with RecordNotFound", async () => {
    const other = await zd<List>("/api/v2/requests", { auth: OTHER_AUTH });
    expect(other.json.requests).toHaveLength(1);
    const id = other.json.requests[0]!.id;
    for (const path of [`/api/v2/requests/${id}`, `/api/v2/requests/${id}/comments`]) {
      const res = await zd(path, { auth: USER_AUTH });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: "RecordNotFound", description: "Not found" });
    }
    expectContract("GET", "/api/v2/requests/{request_id}", 404, (await zd(`/api/v2/requests/${id}`, { auth: USER_AUTH })).json);
    expect((await zd(`/api/v2/requests/${id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "hi" } } } })).status).toBe(404);
  });

  it("creates a request whose first comment becomes the description", async () => {
    const body = {
      request: {
        subject: "Node 3 unreachable",
        comment: { body: "Node 3 stopped answering pings." },
        priority: "high",
        custom_fields: [{ id: DEMO_PORTAL.clusterFieldId, value: "CZJ1234ABC" }],
      },
    };
    const res = await zd<{ request: RequestJson }>("/api/v2/requests", { method: "POST", auth: USER_AUTH, body });
    expect(res.status).toBe(201);
    expectContract("POST", "/api/v2/requests", 201, res.json);
    const r = res.json.request;
    expect(r).toMatchObject({ subject: "Node 3 unreachable", description: "Node 3 stopped answering pings.", status: "new", priority: "high" });
    expect(clusterOf(r)).toBe("CZJ1234ABC");
    const all = await zd<List>("/api/v2/requests", { auth: USER_AUTH });
    expect(Math.max(...all.json.requests.map((x) => x.id))).toBe(r.id);
    const comments = await zd<{ comments: CommentJson[] }>(`/api/v2/requests/${r.id}/comments`, { auth: USER_AUTH });
    expect(comments.json.comments).toHaveLength(1);
    expect(comments.json.comments[0]!.body).toBe(r.description);

    const invalid = await zd("/api/v2/requests", { method: "POST", auth: USER_AUTH, body: { request: { subject: "x" } } });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error).toBe("RecordInvalid");
    expectContract("POST", "/api/v2/requests", 422, invalid.json);
  });

  it("adds a comment with PUT, reopens a pending request, bumps updated_at, and can mark it solved", async () => {
    const list = await zd<List>("/api/v2/requests?status=pending", { auth: USER_AUTH });
    const pending = list.json.requests[0]!;
    const put = await zd<{ request: RequestJson }>(`/api/v2/requests/${pending.id}`, {
      method: "PUT",
      auth: USER_AUTH,
      body: { request: { comment: { body: "Any news?" } } },
    });
    expect(put.status).toBe(200);
    expectContract("PUT", "/api/v2/requests/{request_id}", 200, put.json);
    expect(put.json.request.status).toBe("open");
    expect(Date.parse(put.json.request.updated_at)).toBeGreaterThan(Date.parse(pending.updated_at));
    const comments = await zd<{ comments: CommentJson[] }>(`/api/v2/requests/${pending.id}/comments`, { auth: USER_AUTH });
    const added = comments.json.comments.at(-1)!;
    expect(added).toMatchObject({ body: "Any news?", public: true, author_id: pending.requester_id });
    expect(added.id).toBeGreaterThan(Math.max(...comments.json.comments.slice(0, -1).map((c) => c.id)));

    const solved = await zd<{ request: RequestJson }>(`/api/v2/requests/${pending.id}`, {
      method: "PUT",
      auth: USER_AUTH,
      body: { request: { solved: true, comment: { body: "Fixed on our side." } } },
    });
    expect(solved.json.request.status).toBe("solved");
    expect(solved.json.request.can_be_solved_by_me).toBe(false);
  });

  it("ignores priority, status and custom-field changes sent to PUT /requests/{id}", async () => {
    const list = await zd<List>("/api/v2/requests?status=open", { auth: USER_AUTH });
    const r = list.json.requests.find((x) => x.priority === "urgent")!;
    const res = await zd<{ request: RequestJson }>(`/api/v2/requests/${r.id}`, {
      method: "PUT",
      auth: USER_AUTH,
      body: { request: { priority: "low", status: "closed", custom_fields: [{ id: DEMO_PORTAL.clusterFieldId, value: "CZJ0000ZZZ" }] } },
    });
    expect(res.status).toBe(200);
    expect(res.json.request).toMatchObject({ priority: "urgent", status: "open" });
    expect(clusterOf(res.json.request)).toBe(clusterOf(r));
    expect(res.json.request.updated_at).toBe(r.updated_at);
  });

  it("refuses comments on closed requests and solving an unassigned one", async () => {
    const closed = (await zd<List>("/api/v2/requests?status=closed", { auth: USER_AUTH })).json.requests[0]!;
    const res = await zd(`/api/v2/requests/${closed.id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "reopen?" } } } });
    expect(res.status).toBe(422);
    expect(res.json.details?.status?.[0]?.description).toContain("closed");
    expectContract("PUT", "/api/v2/requests/{request_id}", 422, res.json);

    const fresh = (await zd<List>("/api/v2/requests?status=new", { auth: USER_AUTH })).json.requests[0]!;
    expect(fresh.can_be_solved_by_me).toBe(false);
    expect((await zd(`/api/v2/requests/${fresh.id}`, { method: "PUT", auth: USER_AUTH, body: { request: { solved: true } } })).status).toBe(422);
  });

  it("shows an agent every provider's requests through the Requests API too (an agent's view is account-wide)", async () => {
    const mine = (await zd<List>("/api/v2/requests?per_page=100", { auth: USER_AUTH })).json.requests;
    const all = (await zd<List>("/api/v2/requests?per_page=100", { auth: AGENT_AUTH })).json.requests;
    const others = all.filter((r) => !mine.some((m) => m.id === r.id));
    expect(others.length).toBeGreaterThan(0);
    expect((await zd(`/api/v2/requests/${others[0]!.id}`, { auth: AGENT_AUTH })).status).toBe(200);
    expect((await zd(`/api/v2/requests/${others[0]!.id}`, { auth: USER_AUTH })).status).toBe(404);
  });
});
