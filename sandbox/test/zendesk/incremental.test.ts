import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { AGENT_AUTH, ORIGIN, USER_AUTH, basicToken, expectContract, resetSandbox, zd, type ErrorJson, type RequestJson } from "./helpers";

type Exported = { id: number; updated_at: string; requester_id: number; organization_id?: number; custom_fields: unknown[] };
type ExportPage = {
  tickets: Exported[];
  after_cursor: string;
  after_url: string;
  before_cursor: string | null;
  before_url: string | null;
  end_of_stream: boolean;
};

const EXPORT = "/api/v2/incremental/tickets/cursor.json";
const unix = (msAgo: number) => Math.floor((Date.now() - msAgo) / 1000);
const post = (path: string, body: unknown) =>
  SELF.fetch(`${ORIGIN}/_sandbox${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const exportPage = (query: string, auth = AGENT_AUTH) => zd<ExportPage>(`${EXPORT}?${query}`, { auth });

/** Every page from `query` on, following after_cursor until end_of_stream. */
async function drain(query: string): Promise<{ ids: number[]; pages: number; cursor: string }> {
  const ids: number[] = [];
  let page = await exportPage(query);
  let pages = 1;
  for (;;) {
    expect(page.status).toBe(200);
    ids.push(...page.json.tickets.map((t) => t.id));
    if (page.json.end_of_stream) return { ids, pages, cursor: page.json.after_cursor };
    page = await exportPage(`cursor=${encodeURIComponent(page.json.after_cursor)}&per_page=2`);
    pages++;
  }
}

describe("Incremental Ticket Export, cursor based", () => {
  beforeEach(resetSandbox);

  it("is for admins only: end users and agents get 403", async () => {
    expect((await post("/zendesk/users", { email: "plain-agent@easyconnect.test", apiToken: "plain-agent-token", role: "agent" })).status).toBe(201);
    const agent = await exportPage(`start_time=${unix(3_600_000)}`, basicToken("plain-agent@easyconnect.test", "plain-agent-token"));
    const endUser = await exportPage(`start_time=${unix(3_600_000)}`, USER_AUTH);
    expect([agent.status, endUser.status]).toEqual([403, 403]);
    expect((endUser.json as unknown as ErrorJson).error).toEqual({ title: "Forbidden", message: expect.stringContaining("You do not have access") });
  });

  it("needs a start_time at least a minute old on the first call", async () => {
    const recent = await zd<ErrorJson>(`${EXPORT}?start_time=${unix(30_000)}`, { auth: AGENT_AUTH });
    expect(recent.status).toBe(400);
    expect(recent.json).toEqual({ error: "InvalidValue", description: "Too recent start_time. Use a start_time older than 1 minute" });
    expect((await zd(EXPORT, { auth: AGENT_AUTH })).status).toBe(400);
    expect((await zd(`${EXPORT}?start_time=${unix(3_600_000)}&per_page=1001`, { auth: AGENT_AUTH })).status).toBe(400);
  });

  it("pages tickets in update order, leaves out the last minute's, and continues from the cursor", async () => {
    const all = await drain(`start_time=0&per_page=2`);
    expect(all.ids.length).toBeGreaterThan(2);
    expect(all.pages).toBe(Math.ceil(all.ids.length / 2));
    expect(new Set(all.ids).size).toBe(all.ids.length);
    const first = await exportPage(`start_time=0&per_page=2`);
    expectContract("GET", "/api/v2/incremental/tickets/cursor", 200, first.json);
    expect(first.json.tickets[0]).toMatchObject({ requester_id: expect.any(Number), updated_at: expect.any(String), custom_fields: expect.any(Array) });
    expect(first.json.after_url).toBe(`${ORIGIN}/zendesk${EXPORT}?cursor=${encodeURIComponent(first.json.after_cursor)}`);

    // A change made now is left out for a minute; the cursor stays put meanwhile.
    const made = await zd<{ request: RequestJson }>("/api/v2/requests", {
      method: "POST",
      auth: USER_AUTH,
      body: { request: { subject: "Fresh", comment: { body: "new" } } },
    });
    const fresh = await exportPage(`cursor=${encodeURIComponent(all.cursor)}`);
    expect(fresh.json).toMatchObject({ tickets: [], after_cursor: all.cursor, end_of_stream: true });
    expect((await post("/zendesk/export-clock", { aheadSeconds: 61 })).status).toBe(200);
    const later = await exportPage(`cursor=${encodeURIComponent(all.cursor)}`);
    expect(later.json.tickets.map((t) => t.id)).toEqual([made.json.request.id]);
    // Nothing is handed out twice from the new cursor; an update brings the ticket back once.
    expect((await exportPage(`cursor=${encodeURIComponent(later.json.after_cursor)}`)).json.tickets).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_000));
    await zd(`/api/v2/tickets/${made.json.request.id}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { comment: { body: "Later", public: false } } } });
    expect((await exportPage(`cursor=${encodeURIComponent(later.json.after_cursor)}`)).json.tickets.map((t) => t.id)).toEqual([made.json.request.id]);
  });

  it("allows 10 calls a minute per account when the zendesk limit is on (429 with Retry-After)", async () => {
    expect((await post("/limits", { api: "zendesk", perMinute: 700 })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await exportPage(`start_time=${unix(3_600_000)}`)).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    const refused = await exportPage(`start_time=${unix(3_600_000)}`);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Other endpoints still have the account's budget.
    expect((await zd("/api/v2/users/me", { auth: AGENT_AUTH })).status).toBe(200);
    expect((await post("/limits", { api: "zendesk", perMinute: 700, incrementalPerMinute: 12 })).status).toBe(200);
    expect((await exportPage(`start_time=${unix(3_600_000)}`)).status).toBe(200);
  });
});
