import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ticketEvents } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db, linkOf } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

useSandbox();

const tail = (text: string) => text.split("\n").pop();

describe("merged in ConnectWise", () => {
  it("the link follows the parent: later comments and notes go there, nothing is created, the timeline records the merge", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const a = await customer.createRequest({ subject: "Cluster A down", body: "Reported by site A.", clusterId: "CZJ1234ABC" });
    const b = await customer.createRequest({ subject: "Same outage, site B", body: "Reported by site B.", clusterId: "CZJ1234ABC" });
    await customer.comment(a, "Site A detail.");
    await syncTenantNow(tenant.id);
    const parent = await technician.ticketFor(tenant.id, a);
    const child = await technician.ticketFor(tenant.id, b);

    await technician.merge(parent.id, [child.id]);
    await syncTenantNow(tenant.id); // the merge changed the child: the listing finds it, the link follows
    expect(await linkOf(tenant.id, b)).toMatchObject({ cwTicketId: parent.id });
    const merged = (
      await db()
        .select()
        .from(ticketEvents)
        .where(and(eq(ticketEvents.tenantId, tenant.id), eq(ticketEvents.portalTicketId, b)))
    ).filter((e) => e.action === "follow_merge");
    expect(merged).toHaveLength(1);
    expect(merged[0]!.detail).toContain(`merged into #${parent.id}`);
    // Nothing from the parent's own history crossed into B's request.
    expect((await customer.comments(b)).map((c) => tail(c.body))).toEqual(["Reported by site B."]);

    await customer.comment(b, "Site B is still down.");
    await technician.addNoteInUi(parent.id, "Both sites: replacing the switch.");
    for (let n = 0; n < 2; n++) await syncTenantNow(tenant.id);

    const parentNotes = (await technician.notes(parent.id)).filter((n) => n.internalAnalysisFlag).map((n) => tail(n.text));
    expect(parentNotes.sort()).toEqual(["Both sites: replacing the switch.", "Site A detail.", "Site B is still down."]);
    expect((await technician.notes(child.id)).filter((n) => n.internalAnalysisFlag)).toEqual([]);
    expect((await customer.comments(b)).map((c) => tail(c.body))).toEqual([
      "Reported by site B.",
      "Site B is still down.",
      "Both sites: replacing the switch.",
    ]);
    expect((await customer.comments(a)).map((c) => tail(c.body))).toEqual(["Reported by site A.", "Site A detail.", "Both sites: replacing the switch."]);
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(2); // no new ticket: parent and the closed child
    expect((await technician.ticketFor(tenant.id, b)).id).toBe(child.id);
  });
});
