import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_PORTAL } from "../../src/demo-data";
import { COMMENT_LIMIT, DEMO_ZENDESK, bulkAddComments } from "../../src/zendesk";
import { AGENT_AUTH, USER_AUTH, expectContract, resetSandbox, zd, type CommentJson, type CursorPage, type TicketJson } from "./helpers";

type Update = { ticket: TicketJson; audit: { id: number; events: { type: string; field_name?: string; value?: unknown }[] } };

async function seededTicket(subject: string): Promise<TicketJson> {
  const list = await zd<{ tickets: TicketJson[] }>("/api/v2/tickets", { auth: AGENT_AUTH });
  return list.json.tickets.find((t) => t.subject === subject)!;
}

describe("Tickets API (agent)", () => {
  beforeEach(resetSandbox);

  it("refuses end users with Zendesk's 403 body", async () => {
    const t = await seededTicket("Fan noise on node 2");
    for (const [method, path] of [
      ["GET", `/api/v2/tickets/${t.id}`],
      ["PUT", `/api/v2/tickets/${t.id}`],
      ["GET", "/api/v2/tickets"],
      ["GET", "/api/v2/ticket_fields"],
    ] as const) {
      const res = await zd(path, { method, auth: USER_AUTH, body: method === "PUT" ? { ticket: { status: "open" } } : undefined });
      expect(res.status).toBe(403);
      expect(res.json.error).toEqual({ title: "Forbidden", message: expect.stringContaining("do not have access") });
    }
  });

  it("shows a ticket with all comments, internal notes included", async () => {
    const t = await seededTicket("Backup job failing nightly");
    const show = await zd<{ ticket: TicketJson }>(`/api/v2/tickets/${t.id}.json`, { auth: AGENT_AUTH });
    expect(show.status).toBe(200);
    expectContract("GET", "/api/v2/tickets/{ticket_id}", 200, show.json);
    expect(show.json.ticket.assignee_id).toBe(DEMO_ZENDESK.agent.id);
    const comments = await zd<{ comments: CommentJson[] } & CursorPage>(`/api/v2/tickets/${t.id}/comments?page[size]=2`, { auth: AGENT_AUTH });
    expectContract("GET", "/api/v2/tickets/{ticket_id}/comments", 200, comments.json);
    expect(comments.json.comments).toHaveLength(2);
    expect(comments.json.meta.has_more).toBe(true);
    const rest = await zd<{ comments: CommentJson[] }>(comments.json.links.next!, { auth: AGENT_AUTH });
    expect(rest.json.comments).toHaveLength(1);
    expect(rest.json.comments[0]).toMatchObject({ public: false, type: "Comment", author_id: DEMO_ZENDESK.agent.id });
    expect(rest.json.comments[0]!.metadata).toHaveProperty("system");
    const missing = await zd("/api/v2/tickets/999999", { auth: AGENT_AUTH });
    expect(missing.status).toBe(404);
    expectContract("GET", "/api/v2/tickets/{ticket_id}", 404, missing.json);
  });

  it("updates status, priority and custom fields, adds public and private comments, and returns an audit", async () => {
    const t = await seededTicket("Fan noise on node 2");
    const res = await zd<Update>(`/api/v2/tickets/${t.id}`, {
      method: "PUT",
      auth: AGENT_AUTH,
      body: {
        ticket: {
          status: "pending",
          priority: "high",
          custom_fields: [{ id: DEMO_PORTAL.clusterFieldId, value: "CZJ5678DEF" }],
          comment: { body: "Fan shipped.", public: true },
        },
      },
    });
    expect(res.status).toBe(200);
    expectContract("PUT", "/api/v2/tickets/{ticket_id}", 200, res.json);
    expect(res.json.ticket).toMatchObject({ status: "pending", priority: "high" });
    expect(res.json.ticket.custom_fields).toEqual([{ id: DEMO_PORTAL.clusterFieldId, value: "CZJ5678DEF" }]);
    expect(res.json.audit.events.map((e) => e.field_name ?? e.type)).toEqual(["Comment", "status", "priority", "custom_fields"]);
    expect(Date.parse(res.json.ticket.updated_at)).toBeGreaterThan(Date.parse(t.updated_at));

    await zd(`/api/v2/tickets/${t.id}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { comment: { body: "Internal: RMA 42", public: false } } } });
    const agentView = await zd<{ comments: CommentJson[] }>(`/api/v2/tickets/${t.id}/comments`, { auth: AGENT_AUTH });
    const userView = await zd<{ comments: CommentJson[] }>(`/api/v2/requests/${t.id}/comments`, { auth: USER_AUTH });
    expect(agentView.json.comments.map((c) => c.body)).toContain("Internal: RMA 42");
    expect(userView.json.comments.map((c) => c.body)).not.toContain("Internal: RMA 42");
    expect(userView.json.comments.map((c) => c.body)).toContain("Fan shipped.");

    const cleared = await zd(`/api/v2/tickets/${t.id}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { priority: null } } });
    expect(cleared.status).toBe(422);
    const badStatus = await zd(`/api/v2/tickets/${t.id}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { status: "sleeping" } } });
    expect(badStatus.status).toBe(422);
    expect(badStatus.json.details).toHaveProperty("status");
    expectContract("PUT", "/api/v2/tickets/{ticket_id}", 422, badStatus.json);
  });

  it("refuses to set the read-only description with 422", async () => {
    const t = await seededTicket("Fan noise on node 2");
    const res = await zd(`/api/v2/tickets/${t.id}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { description: "New text" } } });
    expect(res.status).toBe(422);
    expect(res.json.error).toBe("RecordInvalid");
    expect(res.json.details?.description?.[0]?.description).toContain("read-only");
    expectContract("PUT", "/api/v2/tickets/{ticket_id}", 422, res.json);
    const after = await zd<{ ticket: TicketJson }>(`/api/v2/tickets/${t.id}`, { auth: AGENT_AUTH });
    expect(after.json.ticket.description).toBe(t.description);
  });

  it("answers 409 to a safe_update with a stale updated_stamp and applies a fresh one", async () => {
    const t = await seededTicket("VPN tunnel drops every hour");
    const first = await zd<Update>(`/api/v2/tickets/${t.id}`, {
      method: "PUT",
      auth: AGENT_AUTH,
      body: { ticket: { status: "open", safe_update: true, updated_stamp: t.updated_at } },
    });
    expect(first.status).toBe(200);
    const stale = await zd(`/api/v2/tickets/${t.id}`, {
      method: "PUT",
      auth: AGENT_AUTH,
      body: { ticket: { priority: "urgent", safe_update: true, updated_stamp: t.updated_at } },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toBe("UpdateConflict");
    expectContract("PUT", "/api/v2/tickets/{ticket_id}", 409, stale.json);
    const unchanged = await zd<{ ticket: TicketJson }>(`/api/v2/tickets/${t.id}`, { auth: AGENT_AUTH });
    expect(unchanged.json.ticket.priority).toBe("normal");
    // Without safe_update the same stale write goes through.
    const forced = await zd<Update>(`/api/v2/tickets/${t.id}`, {
      method: "PUT",
      auth: AGENT_AUTH,
      body: { ticket: { priority: "urgent", updated_stamp: t.updated_at } },
    });
    expect(forced.json.ticket.priority).toBe("urgent");
  });

  it(`refuses the ${COMMENT_LIMIT + 1}th comment with 422`, async () => {
    const t = await seededTicket("Question about storage expansion");
    const stub = env.WORLD.get(env.WORLD.idFromName("world"));
    await runInDurableObject(stub, (_instance, state) => {
      bulkAddComments(state.storage.sql, t.id, DEMO_ZENDESK.agent.id, COMMENT_LIMIT - 2, "2026-01-01T00:00:00Z");
    });
    const count = await zd<{ count: { value: number } }>(`/api/v2/tickets/${t.id}/comments/count`, { auth: AGENT_AUTH });
    expect(count.json.count.value).toBe(COMMENT_LIMIT - 1);
    const last = await zd(`/api/v2/tickets/${t.id}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { comment: { body: "number 5000", public: true } } } });
    expect(last.status).toBe(200);
    const over = await zd(`/api/v2/requests/${t.id}`, { method: "PUT", auth: USER_AUTH, body: { request: { comment: { body: "number 5001" } } } });
    expect(over.status).toBe(422);
    expect(over.json.details?.base?.[0]?.description).toContain(String(COMMENT_LIMIT));
    expectContract("PUT", "/api/v2/requests/{request_id}", 422, over.json);
    // A change without a comment still works.
    expect((await zd(`/api/v2/tickets/${t.id}`, { method: "PUT", auth: AGENT_AUTH, body: { ticket: { status: "open" } } })).status).toBe(200);
  });

  it("lists ticket fields with the ClusterID field, shows one and counts them", async () => {
    const list = await zd<{ ticket_fields: { id: number; title: string; type: string }[] }>("/api/v2/ticket_fields", { auth: AGENT_AUTH });
    expect(list.status).toBe(200);
    expectContract("GET", "/api/v2/ticket_fields", 200, list.json);
    expect(list.json.ticket_fields.find((f) => f.id === DEMO_PORTAL.clusterFieldId)).toMatchObject({ title: "ClusterID", type: "text" });
    const one = await zd<{ ticket_field: { id: number } }>(`/api/v2/ticket_fields/${DEMO_PORTAL.clusterFieldId}`, { auth: AGENT_AUTH });
    expectContract("GET", "/api/v2/ticket_fields/{ticket_field_id}", 200, one.json);
    expect(one.json.ticket_field.id).toBe(DEMO_PORTAL.clusterFieldId);
    const count = await zd<{ count: { value: number } }>("/api/v2/ticket_fields/count", { auth: AGENT_AUTH });
    expectContract("GET", "/api/v2/ticket_fields/count", 200, count.json);
    expect(count.json.count.value).toBe(list.json.ticket_fields.length);
    expect((await zd("/api/v2/ticket_fields/1", { auth: AGENT_AUTH })).status).toBe(404);
  });
});
