import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, syncRuns, tenants, ticketLinks } from "../../src/db/schema";
import { createConnectedTenant, createTenantWithCustomer } from "../factories/connections";
import { createTenant, createTicketLink, db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { useSandbox } from "../setup/sandbox";
import { waitFor } from "../setup/wait-for";

useSandbox();

const runsOf = (tenantId: string) => db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenantId));
const actions = async (tenantId: string) => (await db().select().from(auditLog).where(eq(auditLog.tenantId, tenantId))).map((a) => a.action);

async function adminOf(tenantId: string) {
  const admin = await createUser("tenant_admin", tenantId);
  return signIn(admin.email, admin.password);
}

describe("admin tasks page", () => {
  it("shows the tenant's status in plain words", async () => {
    const tenant = await createTenant({
      paused: true,
      attentionReason: "ConnectWise rejected the keys. Reconnect it.",
      attentionSince: "2026-01-02T03:04:05.000Z",
    });
    const client = await adminOf(tenant.id);
    const html = await (await client.fetch(`/t/${tenant.id}/tasks`)).text();
    expect(html).toContain("Paused");
    expect(html).toContain("ConnectWise rejected the keys. Reconnect it.");
    expect(html).toContain("No run yet.");
    expect(html).toContain("Resume syncing");
  });

  it("Sync now starts a run, and a second one while it runs is recorded as skipped and said so", async () => {
    const tenant = await createConnectedTenant();
    const client = await adminOf(tenant.id);
    const first = await client.fetch(`/t/${tenant.id}/tasks/sync`, { form: {} });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe(`/t/${tenant.id}/tasks?done=sync-queued`);
    expect(await (await client.fetch(first.headers.get("location")!)).text()).toContain("Sync started.");

    // Make the run look in progress for the next request (it may already have finished).
    const [run] = await runsOf(tenant.id);
    await db().update(syncRuns).set({ status: "running", finishedAt: null }).where(eq(syncRuns.id, run!.id));
    const second = await client.fetch(`/t/${tenant.id}/tasks/sync`, { form: {} });
    expect(second.headers.get("location")).toBe(`/t/${tenant.id}/tasks?done=sync-skipped`);
    expect(await (await client.fetch(second.headers.get("location")!)).text()).toContain("A sync is already running");
    const runs = await runsOf(tenant.id);
    expect(runs.map((r) => r.status).sort()).toEqual(["running", "skipped"]);
    expect(runs.every((r) => r.trigger === "manual")).toBe(true);
    expect(await actions(tenant.id)).toEqual(["sync.requested", "sync.requested"]);
  });

  it("Resync one ticket flags the link (creating it for the tenant's own unlinked request) and runs it to the end", async () => {
    const { tenant, customer } = await createTenantWithCustomer();
    await createTicketLink(tenant.id, 7001);
    const own = await customer.createRequest({ subject: "Resync me", body: "Not linked yet." });
    const client = await adminOf(tenant.id);
    for (const id of ["7001", String(own)]) {
      const res = await client.fetch(`/t/${tenant.id}/tasks/resync`, { form: { portalTicketId: id } });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toMatch(/done=resync-(queued|skipped)/);
    }
    // An id the portal does not show the tenant's user is refused: no link, no flag.
    const unknown = await client.fetch(`/t/${tenant.id}/tasks/resync`, { form: { portalTicketId: "7002" } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("not visible to the connected portal user");
    const links = await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenant.id));
    expect(links.map((l) => l.portalTicketId).sort((a, b) => a - b)).toEqual([7001, own].sort((a, b) => a - b));
    expect(await actions(tenant.id)).toEqual(expect.arrayContaining(["ticket.resync_requested", "ticket.resync_requested"]));
    // The run hands the flagged tickets over and clears the flag.
    await waitFor(
      async () => {
        const rows = await db()
          .select()
          .from(ticketLinks)
          .where(and(eq(ticketLinks.tenantId, tenant.id), eq(ticketLinks.resyncRequested, true)));
        return rows.length === 0 ? true : undefined;
      },
      { timeoutMs: 20_000, what: "resync flags to clear" },
    );
  });

  it.each(["", "abc", "0", "-3", "1.5"])("refuses the ticket number %j with a field error", async (value) => {
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const res = await client.fetch(`/t/${tenant.id}/tasks/resync`, { form: { portalTicketId: value } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="portalTicketId-error"');
    expect(await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenant.id))).toHaveLength(0);
    expect(await runsOf(tenant.id)).toHaveLength(0);
  });

  it("pauses and resumes the tenant; a paused tenant does not sync now", async () => {
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const paused = await client.fetch(`/t/${tenant.id}/tasks/pause`, { form: { paused: "true" } });
    expect(paused.headers.get("location")).toBe(`/t/${tenant.id}/tasks?done=paused`);
    expect((await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!.paused).toBe(true);

    const refused = await client.fetch(`/t/${tenant.id}/tasks/sync`, { form: {} });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Syncing is paused");
    expect(await runsOf(tenant.id)).toHaveLength(0);

    const resumed = await client.fetch(`/t/${tenant.id}/tasks/pause`, { form: { paused: "false" } });
    expect(resumed.headers.get("location")).toBe(`/t/${tenant.id}/tasks?done=resumed`);
    expect((await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!.paused).toBe(false);
    expect(await actions(tenant.id)).toEqual(["tenant.paused", "tenant.resumed"]);
  });

  it("re-renders the page with the reason when a form or ConnectWise refuses, and records nothing", async () => {
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const pause = await client.fetch(`/t/${tenant.id}/tasks/pause`, { form: { paused: "maybe" } });
    expect(pause.status).toBe(400);
    expect(await pause.text()).toContain("Choose pause or resume.");
    const bulk = await client.fetch(`/t/${tenant.id}/tasks/resync-bulk`, { form: { warning: "Nope!" } });
    expect(bulk.status).toBe(400);
    expect(await bulk.text()).toContain("Choose which tickets to resync.");
    const callbacks = await client.fetch(`/t/${tenant.id}/tasks/callbacks`, { form: {} });
    expect(callbacks.status).toBe(409);
    expect(await callbacks.text()).toContain("Could not register the ConnectWise callback: Connect ConnectWise first.");
    expect(await actions(tenant.id)).toEqual([]);
  });

  it("is read-only for viewers and operators", async () => {
    const tenant = await createTenant();
    for (const role of ["tenant_viewer", "operator"] as const) {
      const user = await createUser(role, role === "operator" ? null : tenant.id);
      const client = await signIn(user.email, user.password);
      const html = await (await client.fetch(`/t/${tenant.id}/tasks`)).text();
      expect(html).toContain("read-only");
      expect(html).not.toContain(`action="/t/${tenant.id}/tasks/sync"`);
      expect((await client.fetch(`/t/${tenant.id}/tasks/sync`, { form: {} })).status).toBe(403);
    }
    expect(await runsOf(tenant.id)).toHaveLength(0);
  });
});
