import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { configurationMatches, ticketEvents } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db, linkOf } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

useSandbox();

describe("a ClusterID whose configuration is added later", () => {
  it("the ticket waits on the catch-all company with a warning, then moves to the owner with the configuration attached", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const serial = `LATE${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const id = await customer.createRequest({ subject: "New cluster, not registered yet", body: "It just arrived.", clusterId: serial });
    await syncTenantNow(tenant.id);
    const before = await technician.ticketFor(tenant.id, id);
    expect(before.company?.name).toBe("Acme MSP Catch-All");
    expect((await linkOf(tenant.id, id)).warnings.map((w) => w.code)).toEqual(["unmatched_cluster"]);

    // Days later the technician registers the cluster; the 15-minute negative cache has expired.
    const owner = await technician.companyNamed("Fabrikam Legal");
    const config = await technician.addConfiguration({ name: "Fabrikam cluster 2", serialNumber: serial, companyId: owner.id });
    await db()
      .update(configurationMatches)
      .set({ fetchedAt: new Date(Date.now() - 16 * 60_000).toISOString() })
      .where(eq(configurationMatches.tenantId, tenant.id));
    await customer.comment(id, "Any news?");
    await syncTenantNow(tenant.id);

    const after = await technician.ticketFor(tenant.id, id);
    expect(after.id).toBe(before.id);
    expect(after.company?.id).toBe(owner.id);
    expect((await technician.configurations(after.id)).map((c) => c.id)).toEqual([config.id]);
    const link = await linkOf(tenant.id, id);
    expect(link).toMatchObject({ state: "ok", warnings: [] });
    const events = await db()
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.tenantId, tenant.id), eq(ticketEvents.portalTicketId, id)));
    const why = events.filter((e) => e.detail?.includes(`now matches configuration #${config.id}`));
    expect(why.map((e) => e.action).sort()).toEqual(["attach_configuration", "update_cw_ticket"]);
    // The comment still crossed, once; and a third sync changes nothing.
    expect((await technician.notes(after.id)).filter((n) => n.internalAnalysisFlag && n.text.endsWith("Any news?"))).toHaveLength(1);
    await customer.comment(id, "Thanks.");
    await syncTenantNow(tenant.id);
    expect((await technician.configurations(after.id)).map((c) => c.id)).toEqual([config.id]);
    expect((await technician.ticketFor(tenant.id, id)).company?.id).toBe(owner.id);
  });

  it("a fresh negative lookup is not repeated within 15 minutes", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const serial = `NONE${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const id = await customer.createRequest({ subject: "Unknown cluster", body: "Hm.", clusterId: serial });
    await syncTenantNow(tenant.id);
    const [cached] = await db().select().from(configurationMatches).where(eq(configurationMatches.tenantId, tenant.id));
    await technician.addConfiguration({
      name: "Registered a minute later",
      serialNumber: serial,
      companyId: (await technician.companyNamed("Fabrikam Legal")).id,
    });
    await customer.comment(id, "Still there?");
    await syncTenantNow(tenant.id);
    // Within the cache period: still on the catch-all company, lookup not repeated.
    expect((await technician.ticketFor(tenant.id, id)).company?.name).toBe("Acme MSP Catch-All");
    const [still] = await db().select().from(configurationMatches).where(eq(configurationMatches.tenantId, tenant.id));
    expect(still!.fetchedAt).toBe(cached!.fetchedAt);
  });

  it("a request with no ClusterID gets its own warning", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({ subject: "No cluster given", body: "Which box? Unknown." });
    await syncTenantNow(tenant.id);
    expect((await technician.ticketFor(tenant.id, id)).company?.name).toBe("Acme MSP Catch-All");
    const link = await linkOf(tenant.id, id);
    expect(link.state).toBe("warning");
    expect(link.warnings).toEqual([expect.objectContaining({ code: "missing_cluster" })]);
  });
});
