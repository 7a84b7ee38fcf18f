import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tenantSettings, ticketEvents } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db, linkOf } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";
import { agent, technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

useSandbox();

const eventsOf = (tenantId: string, portalTicketId: number) =>
  db()
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.tenantId, tenantId), eq(ticketEvents.portalTicketId, portalTicketId)));
const internalNotes = async (cwTicketId: number) =>
  (await technician.notes(cwTicketId)).filter((n) => n.internalAnalysisFlag).map((n) => n.text.split("\n").pop());

async function linkedTicket(subject: string, opts: { closedTicketActivity?: "reopen" | "warn" } = {}) {
  const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
  if (opts.closedTicketActivity)
    await db().update(tenantSettings).set({ closedTicketActivity: opts.closedTicketActivity }).where(eq(tenantSettings.tenantId, tenant.id));
  const id = await customer.createRequest({ subject, body: "Details.", clusterId: "CZJ1234ABC" });
  await syncTenantNow(tenant.id);
  return { tenant, customer, id, ticket: await technician.ticketFor(tenant.id, id) };
}

describe("closed in ConnectWise, still open in the portal", () => {
  it("a new portal comment reopens the ticket to the mapped status, mirrors once, and the timeline says so", async () => {
    const { tenant, customer, id, ticket } = await linkedTicket("Closed too early");
    await technician.patch(ticket.id, [{ op: "replace", path: "status", value: { name: "Closed" } }]);
    await customer.comment(id, "It is not fixed, the node dropped again.");
    const run = await syncTenantNow(tenant.id);
    expect(run).toMatchObject({ status: "completed", failures: 0, commentsMirrored: 1 });

    const after = await technician.ticketFor(tenant.id, id);
    expect(after.status?.name).toBe("New"); // the portal request is still "new": its mapped status
    expect(await internalNotes(ticket.id)).toEqual(["It is not fixed, the node dropped again."]);
    const reopened = (await eventsOf(tenant.id, id)).filter((e) => e.action === "update_cw_ticket" && e.detail?.includes("reopened"));
    expect(reopened).toHaveLength(1);
    expect((await linkOf(tenant.id, id)).state).toBe("ok");
    expect(await customer.comments(id)).toHaveLength(2);
  });

  it("with 'leave it closed and warn', the comment lands on the closed ticket and the ticket is flagged", async () => {
    const { tenant, customer, id, ticket } = await linkedTicket("Closed on purpose", { closedTicketActivity: "warn" });
    await technician.patch(ticket.id, [{ op: "replace", path: "status", value: { name: "Closed" } }]);
    await customer.comment(id, "One more thing.");
    await syncTenantNow(tenant.id);
    expect((await technician.ticketFor(tenant.id, id)).status?.name).toBe("Closed");
    expect(await internalNotes(ticket.id)).toEqual(["One more thing."]);
    const link = await linkOf(tenant.id, id);
    expect(link.state).toBe("warning");
    expect(link.warnings.map((w) => w.code)).toEqual(["cw_closed"]);
  });
});

describe("moved to another board by a technician", () => {
  it("is never moved back; the status write is skipped with a warning; priority and comments still sync", async () => {
    const { tenant, customer, id, ticket } = await linkedTicket("Belongs to the help desk");
    await technician.patch(ticket.id, [
      { op: "replace", path: "board", value: { name: "Help Desk" } },
      { op: "replace", path: "status", value: { name: "Assigned" } },
    ]);
    await agent.update(id, { status: "pending", priority: "urgent" });
    await customer.comment(id, "Waiting for your call.");
    for (let n = 0; n < 2; n++) {
      const run = await syncTenantNow(tenant.id);
      expect(run).toMatchObject({ status: "completed", failures: 0 });
    }
    const after = await technician.ticketFor(tenant.id, id);
    expect(after.board?.name).toBe("Help Desk");
    expect(after.status?.name).toBe("Assigned");
    expect(after.priority?.name).toBe("Priority 1 - Emergency Response");
    expect(await internalNotes(ticket.id)).toEqual(["Waiting for your call."]);
    const link = await linkOf(tenant.id, id);
    expect(link.warnings.map((w) => w.code)).toEqual(["other_board"]);
    expect(link.warnings[0]!.message).toContain("Help Desk");
  });
});

describe("a technician's note on a pending request", () => {
  it("reaches the portal without moving the ConnectWise status: the request reopening on that comment is the note's own echo", async () => {
    const { tenant, customer, id, ticket } = await linkedTicket("Waiting for logs");
    await agent.update(id, { status: "pending" });
    await syncTenantNow(tenant.id);
    expect((await technician.ticketFor(tenant.id, id)).status?.name).toBe("Waiting on Customer");

    await technician.addNoteInUi(ticket.id, "Please send the controller logs.");
    await syncTenantNow(tenant.id);
    // Zendesk reopens a pending request on its requester's comment, and psa-sync comments as the requester.
    expect((await customer.comments(id)).map((c) => c.body.split("\n").pop())).toContain("Please send the controller logs.");
    await syncTenantNow(tenant.id);
    await syncTenantNow(tenant.id);
    expect((await technician.ticketFor(tenant.id, id)).status?.name).toBe("Waiting on Customer");
    const statusWrites = (await eventsOf(tenant.id, id)).filter((e) => e.action === "update_cw_ticket" && e.detail?.includes("status"));
    expect(statusWrites).toHaveLength(1); // the pending one only
  });
});
