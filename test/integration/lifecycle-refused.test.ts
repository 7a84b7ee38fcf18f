import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statusMappings, tenantSettings, ticketEvents } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db, linkOf } from "../factories/tenants";
import { sandboxControl, useSandbox } from "../setup/sandbox";
import { agent, technician } from "../setup/sandbox-actors";
import { lastLoggedId } from "../setup/scenario";
import { syncTenantNow } from "../setup/sync";

useSandbox();

const tail = (text: string) => text.split("\n").pop();

describe("one refused field write does not freeze a ticket", () => {
  it("a status ConnectWise refuses is warned with the field and the fix; comments and notes keep crossing both ways for three runs", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({ subject: "Status will be refused", body: "Details.", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
    const ticket = await technician.ticketFor(tenant.id, id);

    // The tenant maps "open" to a status of its own, which a ConnectWise admin then deletes
    // (its own, so other tests sharing the sandbox keep theirs); a portal agent opens the request.
    const [settings] = await db().select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenant.id));
    const doomed = await technician.addBoardStatus(settings!.boardId!, `Working ${crypto.randomUUID().slice(0, 8)}`);
    await db()
      .update(statusMappings)
      .set({ cwStatusId: doomed.id, cwStatusName: "Working" })
      .where(and(eq(statusMappings.tenantId, tenant.id), eq(statusMappings.portalValue, "open")));
    await technician.deleteBoardStatus(settings!.boardId!, doomed.id);
    await agent.update(id, { status: "open" });
    const since = await lastLoggedId();

    for (let n = 1; n <= 3; n++) {
      await customer.comment(id, `Customer, run ${n}`);
      await technician.addNoteInUi(ticket.id, `Technician, run ${n}`);
      const run = await syncTenantNow(tenant.id);
      expect(run, `run ${n}`).toMatchObject({ status: "completed", failures: 0, commentsMirrored: 1, notesMirrored: 1 });
      const link = await linkOf(tenant.id, id);
      expect(link.state).toBe("warning");
      expect(link.warnings).toEqual([
        expect.objectContaining({ code: "write_refused", message: expect.stringMatching(/refused the status write.*status mapping/) }),
      ]);
    }
    const notes = (await technician.notes(ticket.id)).filter((n) => n.internalAnalysisFlag).map((n) => tail(n.text));
    expect(notes.filter((t) => t?.startsWith("Customer")).sort()).toEqual(["Customer, run 1", "Customer, run 2", "Customer, run 3"]);
    expect(notes.filter((t) => t?.startsWith("Technician"))).toHaveLength(3);
    const comments = (await customer.comments(id)).map((c) => tail(c.body));
    expect(comments.filter((t) => t?.startsWith("Technician")).sort()).toEqual(["Technician, run 1", "Technician, run 2", "Technician, run 3"]);
    expect(comments.filter((t) => t?.startsWith("Customer"))).toHaveLength(3);
    // The refused write was tried once, not on every run.
    const { requests } = (await (await sandboxControl(`/requests?api=connectwise&sinceId=${since}&limit=50000`)).json()) as {
      requests: { method: string; path: string; status: number }[];
    };
    const patches = requests.filter((r) => r.method === "PATCH" && r.path.endsWith(`/service/tickets/${ticket.id}`));
    expect(patches.map((p) => p.status)).toEqual([400]);
    const refusedEvents = await db()
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.tenantId, tenant.id), eq(ticketEvents.action, "write_refused")));
    expect(refusedEvents).toHaveLength(1);

    // Its input changes: the write is tried again, succeeds, and the warning clears.
    await agent.update(id, { status: "pending" });
    await syncTenantNow(tenant.id);
    expect((await technician.ticketFor(tenant.id, id)).status?.name).toBe("Waiting on Customer");
    expect(await linkOf(tenant.id, id)).toMatchObject({ state: "ok", warnings: [] });
  });

  it("a ConnectWise note too long for the portal is mirrored once, cut with a marker, not refused whole", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({ subject: "Long log pasted", body: "Details.", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
    const ticket = await technician.ticketFor(tenant.id, id);
    await technician.addNote(ticket.id, `Log:\n${"line of a long log\n".repeat(6000)}`);
    for (let n = 0; n < 2; n++) expect(await syncTenantNow(tenant.id)).toMatchObject({ status: "completed", failures: 0 });
    const mirrored = (await customer.comments(id)).filter((c) => c.body.includes("line of a long log"));
    expect(mirrored).toHaveLength(1);
    expect(mirrored[0]!.body).toMatch(/\[… cut: the text is longer than the Support Portal accepts; the whole of it is on ConnectWise ticket #\d+\]$/);
    expect(await linkOf(tenant.id, id)).toMatchObject({ state: "ok" });
  });
});
