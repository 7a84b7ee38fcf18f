import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_PORTAL } from "../../src/demo-data";
import { DEMO_ZENDESK, createZendesk } from "../../src/zendesk";
import { AGENT_AUTH, USER_AUTH, resetSandbox, zd, type CommentJson, type RequestJson } from "./helpers";

/** Runs the activity helpers against the live sandbox storage, as the generator will. */
async function withEmulator<T>(fn: (zendesk: ReturnType<typeof createZendesk>) => T): Promise<T> {
  const stub = env.WORLD.get(env.WORLD.idFromName("world"));
  return runInDurableObject(stub, (_instance, state) =>
    fn(createZendesk({ sql: state.storage.sql, now: () => new Date(), defer: () => {}, fetch: (i, init) => fetch(i, init) })),
  );
}

describe("Zendesk activity helpers", () => {
  beforeEach(resetSandbox);

  it("creates a request, adds agent and end-user comments, and changes status and priority", async () => {
    const created = await withEmulator((z) => z.createRequest({ subject: "Generated", body: "Generated body", priority: "low", clusterId: "CZJ9012GHI" }));
    const shown = await zd<{ request: RequestJson }>(`/api/v2/requests/${created.id}`, { auth: USER_AUTH });
    expect(shown.json.request).toMatchObject({ subject: "Generated", description: "Generated body", priority: "low", status: "new" });
    expect(shown.json.request.custom_fields).toEqual([{ id: DEMO_PORTAL.clusterFieldId, value: "CZJ9012GHI" }]);

    await withEmulator((z) => {
      z.addAgentComment(created.id, "Agent reply");
      z.addAgentComment(created.id, "Agent note", { public: false });
      z.setStatus(created.id, "pending");
      z.setPriority(created.id, "urgent");
    });
    const ticket = await zd<{ ticket: RequestJson & { assignee_id?: number } }>(`/api/v2/tickets/${created.id}`, { auth: AGENT_AUTH });
    expect(ticket.json.ticket).toMatchObject({ status: "pending", priority: "urgent" });
    const publicComments = await zd<{ comments: CommentJson[] }>(`/api/v2/requests/${created.id}/comments`, { auth: USER_AUTH });
    expect(publicComments.json.comments.map((c) => [c.body, c.author_id])).toEqual([
      ["Generated body", DEMO_ZENDESK.endUser.id],
      ["Agent reply", DEMO_ZENDESK.agent.id],
    ]);

    const reopened = await withEmulator((z) => z.addEndUserComment(created.id, "Still broken"));
    expect(reopened.status).toBe("open");
    expect(await withEmulator((z) => z.openRequestIds())).toContain(created.id);
    await expect(withEmulator((z) => z.addAgentComment(999_999, "nowhere"))).rejects.toThrow(/404/);
  });
});
