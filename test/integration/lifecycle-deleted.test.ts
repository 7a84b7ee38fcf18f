import { SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { syncRuns, ticketEvents, ticketLinks } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db, linkOf } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { waitFor } from "../setup/wait-for";
import { apiToken } from "./monitoring-fixtures";

useSandbox();

/** Waits for a run started by a task (not by the test) to end. */
const runEnded = (runId: string) =>
  waitFor(
    async () => {
      const [run] = await db().select().from(syncRuns).where(eq(syncRuns.id, runId));
      return run && run.status !== "queued" && run.status !== "running" ? run : undefined;
    },
    { timeoutMs: 30_000, what: `run ${runId} to end` },
  );

describe("a linked ticket deleted in ConnectWise", () => {
  it("is warned as deleted; a bulk resync creates a new ticket with the full history, each item once", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const id = await customer.createRequest({ subject: "Storage array degraded", body: "Disk 3 failed overnight.", clusterId: "CZJ1234ABC" });
    await customer.comment(id, "Replacement disk ordered.");
    await syncTenantNow(tenant.id);
    const old = await technician.ticketFor(tenant.id, id);
    await technician.addNote(old.id, "Rebuild started.");
    await syncTenantNow(tenant.id);
    expect((await customer.comments(id)).map((c) => c.body.split("\n").pop())).toEqual([
      "Disk 3 failed overnight.",
      "Replacement disk ordered.",
      "Rebuild started.",
    ]);

    // A technician deletes the ticket; the customer writes again.
    await technician.deleteTicket(old.id);
    await customer.comment(id, "Is anyone looking at this?");
    await syncTenantNow(tenant.id);
    const warned = await linkOf(tenant.id, id);
    expect(warned).toMatchObject({ state: "warning", cwTicketId: old.id });
    expect(warned.warnings).toEqual([expect.objectContaining({ code: "cw_ticket_missing", message: expect.stringContaining("ConnectWise ticket deleted") })]);
    const viewer = await createUser("tenant_viewer", tenant.id);
    const page = await (await (await signIn(viewer.email, viewer.password)).fetch(`/t/${tenant.id}/tickets/${id}`)).text();
    expect(page).toContain("ConnectWise ticket deleted");
    expect(await technician.ticketsLinkedTo(tenant.id)).toEqual([]);

    // Bulk resync of every ticket with that warning, through the API.
    const res = await SELF.fetch("http://localhost/api/v1/tickets/resync", {
      method: "POST",
      headers: { ...(await apiToken(tenant.id, "admin")), "content-type": "application/json" },
      body: JSON.stringify({ warning: "cw_ticket_missing" }),
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { runId: string; flagged: number; more: boolean };
    expect(answer).toMatchObject({ flagged: 1, more: false });
    expect(await runEnded(answer.runId)).toMatchObject({ status: "completed", ticketsCreated: 1, commentsMirrored: 3, failures: 0 });
    expect(await linkOf(tenant.id, id)).toMatchObject({ state: "ok", warnings: [], resyncRequested: false });

    const fresh = await technician.ticketFor(tenant.id, id);
    expect(fresh.id).not.toBe(old.id);
    const notes = await technician.notes(fresh.id);
    // The description once, as ConnectWise's own Discussion note; every later portal comment once.
    expect(notes.filter((n) => n.detailDescriptionFlag).map((n) => n.text)).toEqual([expect.stringContaining("Disk 3 failed overnight.")]);
    expect(notes.filter((n) => n.internalAnalysisFlag).map((n) => n.text.split("\n").slice(1).join("\n"))).toEqual([
      "Replacement disk ordered.",
      expect.stringContaining("Rebuild started."),
      "Is anyone looking at this?",
    ]);
    // Nothing echoed back to the portal, and the next run writes nothing.
    expect(await customer.comments(id)).toHaveLength(4);
    const again = await syncTenantNow(tenant.id);
    expect(again).toMatchObject({ ticketsCreated: 0, commentsMirrored: 0, notesMirrored: 0 });
    expect(await customer.comments(id)).toHaveLength(4);
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(1);
    const events = await db()
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.tenantId, tenant.id), eq(ticketEvents.portalTicketId, id)));
    expect(events.filter((e) => e.action === "unlink_deleted_cw_ticket")).toHaveLength(1);
    // The same bulk resync again is harmless: flagged again, synced, nothing duplicated.
    const twice = await SELF.fetch("http://localhost/api/v1/tickets/resync", {
      method: "POST",
      headers: { ...(await apiToken(tenant.id, "admin")), "content-type": "application/json" },
      body: JSON.stringify({ portalTicketIds: [id] }),
    });
    expect(twice.status).toBe(202);
    expect(await runEnded(((await twice.json()) as { runId: string }).runId)).toMatchObject({ status: "completed", ticketsCreated: 0, commentsMirrored: 0 });
    expect((await technician.notes(fresh.id)).filter((n) => n.internalAnalysisFlag)).toHaveLength(3);
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(1);
  });

  it("a bulk resync with no filter, or a bad one, is refused with a clear error and flags nothing", async () => {
    const { tenant } = await createTenantWithCustomer();
    const headers = { ...(await apiToken(tenant.id, "admin")), "content-type": "application/json" };
    for (const body of [{}, { warning: "DROP TABLE" }, { portalTicketIds: [] }, { state: "ok" }, { warning: "any", extra: 1 }]) {
      const res = await SELF.fetch("http://localhost/api/v1/tickets/resync", { method: "POST", headers, body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenant.id))).toEqual([]);
  });
});
