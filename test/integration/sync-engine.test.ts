import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { commentLinks, portalConnections, tenantSettings, tenants, ticketEvents } from "../../src/db/schema";
import { saveAdvancedSettings } from "../../src/admin/configuration/settings";
import { connectPortalWithOAuth, createConnectedTenant, createTenantWithCustomer, openPortalSecrets, sealPortalSecrets } from "../factories/connections";
import { db, linkOf } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";
import { agent, customer, technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

useSandbox();

describe("sync engine against the sandbox (cron path: tenant run → ticket-sync → TicketSync)", () => {
  it("creates the ConnectWise ticket with every mapped field, once", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({
      subject: "Cluster node offline",
      body: "Node 2 went offline after the update.",
      priority: "urgent",
      clusterId: "CZJ5678DEF",
    });
    await customer.comment(id, "It is still down this morning.");

    const run = await syncTenantNow(tenant.id);
    expect(run).toMatchObject({ status: "completed", ticketsCreated: 1, commentsMirrored: 1, failures: 0 });
    expect(run.ticketsSeen).toBeGreaterThanOrEqual(1);

    const ticket = await technician.ticketFor(tenant.id, id);
    expect(ticket).toMatchObject({
      summary: "Cluster node offline",
      board: { name: "Easy Connect Support" },
      status: { name: "New" },
      priority: { name: "Priority 1 - Emergency Response" },
      company: { name: "Fabrikam Legal" },
    });
    expect((await technician.configurations(ticket.id)).length).toBe(1);

    const notes = await technician.notes(ticket.id);
    // The initial description shows once, as CW's own first Discussion note: no second copy.
    expect(notes.filter((n) => n.text.includes("Node 2 went offline"))).toHaveLength(1);
    expect(notes[0]).toMatchObject({ detailDescriptionFlag: true });
    expect(notes.filter((n) => n.internalAnalysisFlag).map((n) => n.text)).toEqual([
      `[Support Portal comment #${(await customer.comments(id))[1]!.id}]\nIt is still down this morning.`,
    ]);

    const link = await linkOf(tenant.id, id);
    expect(link).toMatchObject({ cwTicketId: ticket.id, state: "ok", warnings: [] });
    const timeline = await db()
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.tenantId, tenant.id), eq(ticketEvents.portalTicketId, id)));
    expect(timeline.map((e) => e.action)).toEqual(["create_cw_ticket", "attach_configuration", "mirror_comment_to_cw"]);
  });

  it("mirrors both ways on later runs, with no echo and no duplicate", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({ subject: "Backup job failed", body: "The nightly backup failed.", priority: "normal", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
    const ticket = await technician.ticketFor(tenant.id, id);

    await technician.addNote(ticket.id, "Restarted the backup service.");
    await customer.comment(id, "Thanks, checking tonight.");
    await agent.update(id, { priority: "high" });
    await new Promise((r) => setTimeout(r, 1100)); // portal timestamps have whole seconds

    const second = await syncTenantNow(tenant.id);
    expect(second).toMatchObject({ status: "completed", notesMirrored: 1, commentsMirrored: 1, ticketsUpdated: 1, failures: 0 });
    const comments = await customer.comments(id);
    expect(comments.map((c) => c.body)).toEqual([
      "The nightly backup failed.",
      "Thanks, checking tonight.",
      `[ConnectWise ticket #${ticket.id}, note by psa-sync-api]\nRestarted the backup service.`,
    ]);
    const updated = await technician.ticketFor(tenant.id, id);
    expect(updated.priority?.name).toBe("Priority 2 - Quick Response");

    // Nothing new on either side: the next runs write nothing (no echo of what we mirrored).
    await new Promise((r) => setTimeout(r, 1100));
    const third = await syncTenantNow(tenant.id);
    expect(third).toMatchObject({ status: "completed", notesMirrored: 0, commentsMirrored: 0, ticketsCreated: 0, ticketsUpdated: 0 });
    expect(await customer.comments(id)).toHaveLength(3);
    const notes = await technician.notes(ticket.id);
    expect(notes.filter((n) => n.internalAnalysisFlag)).toHaveLength(2);
    const links = await db().select().from(commentLinks).where(eq(commentLinks.tenantId, tenant.id));
    expect(links.map((l) => l.state)).toEqual(["done", "done"]);
  });

  it("puts an unmatched ClusterID on the catch-all company and flags the ticket", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({ subject: "Unknown box", body: "Which one is it?", clusterId: "CZJ0000ZZZ" });
    await syncTenantNow(tenant.id);
    const ticket = await technician.ticketFor(tenant.id, id);
    expect(ticket.company?.name).toBe("Acme MSP Catch-All");
    const link = await linkOf(tenant.id, id);
    expect(link.state).toBe("warning");
    expect(link.warnings).toEqual([expect.objectContaining({ code: "unmatched_cluster" })]);
  });

  it("does not fight a technician's priority change in ConnectWise", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({ subject: "Fan alert", body: "Fan 3 is loud.", priority: "low", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
    const ticket = await technician.ticketFor(tenant.id, id);
    await technician.patch(ticket.id, [{ op: "replace", path: "priority", value: { name: "Priority 1 - Emergency Response" } }]);
    await customer.comment(id, "Any news?");
    await new Promise((r) => setTimeout(r, 1100));
    await syncTenantNow(tenant.id);
    const after = await technician.ticketFor(tenant.id, id);
    expect(after.priority?.name).toBe("Priority 1 - Emergency Response");
  });
});

describe("the first import and the 'sync from' date", () => {
  it("imports only requests updated since the date; moving it back re-imports the older ones once", async () => {
    const tenant = await createConnectedTenant(); // sync from: now
    const recent = await customer.createRequest({ subject: "After the date", body: "New.", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
    const xrefs = async () => (await technician.ticketsLinkedTo(tenant.id)).map((t) => Number(t.externalXRef!.split(":").pop()));
    const first = await xrefs();
    expect(first).toContain(recent);
    const seededOlder = 1001; // the sandbox's demo requests were last updated days ago
    expect(first).not.toContain(seededOlder);

    const [settings] = await db().select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenant.id));
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    // A refusal throws (FieldErrors), failing the test.
    await saveAdvancedSettings(
      env,
      db(),
      { tenantId: tenant.id, userId: null, via: "test" },
      {
        settings: {
          boardId: settings!.boardId!,
          defaultCompanyId: settings!.defaultCompanyId!,
          matchField: "serialNumber",
          syncFrom: monthAgo,
          closedTicketActivity: "reopen",
          syncOrganisation: false,
        },
      },
    );
    await syncTenantNow(tenant.id);
    await syncTenantNow(tenant.id);
    const after = await xrefs();
    expect(after).toContain(seededOlder);
    expect(new Set(after).size).toBe(after.length); // nothing doubled
  });
});

describe("OAuth tokens", () => {
  it("a run refreshes a token that expires soon, persists the rotated pair encrypted, and syncs", async () => {
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const soon = new Date(Date.now() + 10 * 60 * 1000).toISOString();
    const tokens = await connectPortalWithOAuth(tenant.id, soon);
    const id = await customer.createRequest({ subject: "Via OAuth", body: "Token about to expire.", clusterId: "CZJ1234ABC" });

    const run = await syncTenantNow(tenant.id);
    expect(run.status).toBe("completed");
    const [row] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
    expect(Date.parse(row!.accessTokenExpiresAt!)).toBeGreaterThan(Date.parse(soon));
    const stored = (await openPortalSecrets(tenant.id, row!.secretsCiphertext)) as { accessToken: string; refreshToken: string };
    expect(stored.refreshToken).not.toBe(tokens.refreshToken);
    expect(row!.secretsCiphertext).not.toContain(stored.accessToken);
    expect((await technician.ticketsLinkedTo(tenant.id)).map((t) => t.externalXRef)).toContain(`psa-sync:${tenant.id}:${id}`);
  });

  it("a refused refresh (revoked grant) flags the tenant within the run, with the fix", async () => {
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    await db()
      .update(portalConnections)
      .set({
        authMode: "oauth",
        secretsCiphertext: await sealPortalSecrets(tenant.id, { accessToken: "revoked-access", refreshToken: "revoked-refresh" }),
        accessTokenExpiresAt: new Date(Date.now() - 60_000).toISOString(),
      })
      .where(eq(portalConnections.tenantId, tenant.id));
    const run = await syncTenantNow(tenant.id);
    expect(run.status).toBe("failed");
    const row = await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) });
    expect(row!.attentionReason).toMatch(/The Support Portal rejected psa-sync's credentials\. Reconnect it/);
  });
});
