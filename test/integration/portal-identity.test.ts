import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, portalConnections, syncRuns, tenantSettings, tenants, ticketEvents, ticketLinks } from "../../src/db/schema";
import { ticketSyncStub } from "../../src/jobs/stubs";
import { createConnectedTenant } from "../factories/connections";
import { createTenant, db } from "../factories/tenants";
import { createUser, signIn, type AdminClient } from "../setup/admin-client";
import { sandboxControl, useSandbox } from "../setup/sandbox";
import { portalUser, technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { waitFor } from "../setup/wait-for";
import { apiToken } from "./monitoring-fixtures";

/**
 * Attacks on portal ownership: every provider shares one portal, so a tenant must sync only
 * what its own end user asked for, whatever the credentials can see. Each test uses its
 * own portal accounts (created through the sandbox's control routes).
 */
useSandbox();

type Role = "end-user" | "agent" | "admin";

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** A portal account of a role; its password is its API token (the sandbox's control route). */
async function portalAccount(role: Role, organizationId: number | null = null) {
  const email = `${role}-${crypto.randomUUID()}@msp.test`;
  const apiToken = crypto.randomUUID().replaceAll("-", "");
  const { id } = (await (await sandboxControl("/zendesk/users", json({ email, apiToken, role, organizationId }))).json()) as { id: number };
  return {
    id,
    email,
    apiToken,
    organizationId,
    as: portalUser(email, apiToken),
    setRole: (r: Role) => sandboxControl("/zendesk/users", json({ email, apiToken, role: r, organizationId })),
  };
}

async function organisation(sharedTickets: boolean) {
  return ((await (await sandboxControl("/zendesk/organizations", json({ name: `Org ${crypto.randomUUID()}`, sharedTickets }))).json()) as { id: number }).id;
}

async function adminOf(tenantId: string): Promise<AdminClient> {
  const admin = await createUser("tenant_admin", tenantId);
  return signIn(admin.email, admin.password);
}

const linksOf = (tenantId: string) => db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenantId));
const runsOf = (tenantId: string) => db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenantId));
const portalRow = async (tenantId: string) => (await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenantId)))[0];

describe("connecting the portal as an agent or admin", () => {
  it.each(["agent", "admin"] as const)("an API token of a portal %s is refused and nothing is stored", async (role) => {
    const account = await portalAccount(role);
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const res = await client.fetch(`/t/${tenant.id}/onboarding/portal/token`, {
      form: { email: account.email, apiToken: account.apiToken, clusterFieldId: "" },
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain(`is a portal ${role}, not an end user`);
    expect(text).not.toContain(account.apiToken);
    expect(await portalRow(tenant.id)).toBeUndefined();
    expect(await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).toEqual([]);

    // The same form with an end user's token connects, and stores who it is.
    const endUser = await portalAccount("end-user", await organisation(false));
    const ok = await client.fetch(`/t/${tenant.id}/onboarding/portal/token`, {
      form: { email: endUser.email, apiToken: endUser.apiToken, clusterFieldId: "" },
    });
    expect(ok.status).toBe(303);
    expect(await portalRow(tenant.id)).toMatchObject({ email: endUser.email, portalUserId: endUser.id, portalOrganizationId: endUser.organizationId });
  });

  it("Generate Token signed in as an agent is refused and nothing is stored", async () => {
    const account = await portalAccount("agent");
    const tenant = await createTenant();
    const client = await adminOf(tenant.id);
    const start = await client.fetch(`/t/${tenant.id}/onboarding/portal/oauth`, { form: { clusterFieldId: "360001234567" } });
    const authorize = new URL(/id="portal-sign-in" href="([^"]+)"/.exec(await start.text())![1]!.replaceAll("&amp;", "&"));
    const stateCookie = (start.headers.get("set-cookie") ?? "").split(";")[0]!;
    const form = new URLSearchParams(Object.fromEntries(authorize.searchParams));
    form.set("email", account.email);
    form.set("password", account.apiToken);
    const signedIn = await env.SANDBOX.fetch(
      new Request(authorize, { method: "POST", body: form, redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    expect(signedIn.status).toBe(302);
    const callback = new URL(signedIn.headers.get("location")!);
    const done = await client.fetch(callback.pathname + callback.search, { headers: { cookie: `${client.cookie}; ${stateCookie}` } });
    expect(done.status).toBe(502);
    expect(await done.text()).toContain("is a portal agent, not an end user");
    expect(await portalRow(tenant.id)).toBeUndefined();
    expect(
      await db()
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, "portal.connected"))),
    ).toEqual([]);
  });
});

describe("a connected end user whose role changes", () => {
  it("made an agent in the portal: the next run lists and writes nothing, and the tenant needs attention", async () => {
    const mine = await portalAccount("end-user");
    const other = await portalAccount("end-user");
    const tenant = await createConnectedTenant({ portalUser: mine });
    const own = await mine.as.createRequest({ subject: "Our cluster", body: "Ours." });
    const first = await syncTenantNow(tenant.id);
    expect(first).toMatchObject({ status: "completed", ticketsCreated: 1 });
    expect(await portalRow(tenant.id)).toMatchObject({ portalUserId: mine.id });

    await mine.setRole("agent");
    const theirs = await other.as.createRequest({ subject: "Another provider's cluster", body: "Theirs, private." });
    await mine.as.comment(own, "A new comment of ours.");
    const run = await syncTenantNow(tenant.id);
    expect(run.status).toBe("failed");
    expect(run.message).toContain("not an end user");
    // Within the hour /users/me is not asked before listing; the listing shows another
    // provider's request, so it is asked at once: 2 portal calls, nothing handed over.
    expect(run).toMatchObject({ portalCalls: 2, cwCalls: 0, ticketsSeen: 0, ticketsCreated: 0 });
    const t = await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) });
    expect(t!.attentionReason).toContain(`${mine.email} is a portal agent, not an end user`);
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(1);
    expect((await linksOf(tenant.id)).map((l) => l.portalTicketId)).toEqual([own]);
    expect(await other.as.comments(theirs)).toHaveLength(1);

    // Back to an end user: the next run gets through and clears the flag.
    await mine.setRole("end-user");
    expect(await syncTenantNow(tenant.id)).toMatchObject({ status: "completed" });
    expect((await db().query.tenants.findFirst({ where: eq(tenants.id, tenant.id) }))!.attentionReason).toBeNull();
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(1);
  });
});

describe("Test connection", () => {
  it("says whether the connected portal user is an end user, and fails the check for an agent", async () => {
    const mine = await portalAccount("end-user");
    const tenant = await createConnectedTenant({ portalUser: mine, settings: false });
    const headers = await apiToken(tenant.id, "admin");
    type Line = { side: string; check: string; ok: boolean; detail: string };
    const endUserLine = async () => {
      const res = await SELF.fetch("http://localhost/api/v1/connections/test", { method: "POST", headers });
      return ((await res.json()) as { lines: Line[] }).lines.find((l) => l.side === "portal" && l.check === "End user");
    };
    expect(await endUserLine()).toMatchObject({ ok: true });
    await mine.setRole("agent");
    expect(await endUserLine()).toMatchObject({ ok: false, detail: expect.stringContaining("not an end user") });
  });
});

describe("another provider's request", () => {
  it("a resync of its id is refused by the API and the page, and a link forged for it syncs nothing", async () => {
    const mine = await portalAccount("end-user");
    const other = await portalAccount("end-user");
    const tenant = await createConnectedTenant({ portalUser: mine });
    const theirs = await other.as.createRequest({ subject: "Globex printer", body: "Theirs." });
    const headers = await apiToken(tenant.id, "admin");

    const single = await SELF.fetch(`http://localhost/api/v1/tickets/${theirs}/resync`, { method: "POST", headers });
    expect(single.status).toBe(404);
    expect(await single.json()).toMatchObject({ detail: expect.stringContaining("not visible to the connected portal user") });
    const bulk = await SELF.fetch("http://localhost/api/v1/tickets/resync", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ portalTicketIds: [theirs] }),
    });
    expect(bulk.status).toBe(404);
    expect(await bulk.json()).toMatchObject({ detail: expect.stringContaining("not linked tickets of this tenant") });
    const page = await (await adminOf(tenant.id)).fetch(`/t/${tenant.id}/tasks/resync`, { form: { portalTicketId: String(theirs) } });
    expect(page.status).toBe(404);
    expect(await linksOf(tenant.id)).toEqual([]);
    expect(await runsOf(tenant.id)).toEqual([]);

    // Defence in depth: a link row for it (forged, or left from before) and a run create and
    // write nothing: the connected end user cannot even see it.
    await db().insert(ticketLinks).values({ tenantId: tenant.id, portalTicketId: theirs, resyncRequested: true });
    const run = await syncTenantNow(tenant.id);
    expect(run).toMatchObject({ status: "completed", ticketsCreated: 0, commentsMirrored: 0, notesMirrored: 0, warnings: 1 });
    const [link] = await linksOf(tenant.id);
    expect(link).toMatchObject({ cwTicketId: null, state: "warning", warnings: [expect.objectContaining({ code: "portal_request_missing" })] });

    // Made an agent, the same credentials see it. A ticket-sync message for another of its
    // requests (a push arriving before the next run's identity check) is refused by owner.
    await mine.setRole("agent");
    const pushed = await other.as.createRequest({ subject: "Globex switch", body: "Theirs too." });
    const outcome = await ticketSyncStub(env, tenant.id, pushed).sync({
      kind: "ticket-sync",
      v: 1,
      tenantId: tenant.id,
      runId: null,
      portalTicketId: pushed,
      reason: "webhook",
    });
    expect(outcome).toMatchObject({ kind: "done", stats: { created: 0, commentsMirrored: 0, notesMirrored: 0, warnings: 1 } });
    expect(await technician.ticketsLinkedTo(tenant.id)).toEqual([]);
    expect((await linksOf(tenant.id)).map((l) => l.portalTicketId)).toEqual([theirs]);
    expect(await other.as.comments(theirs)).toHaveLength(1);
    expect(await other.as.comments(pushed)).toHaveLength(1);
    const events = await db().select().from(ticketEvents).where(eq(ticketEvents.tenantId, tenant.id));
    expect(events.map((e) => [e.portalTicketId, e.action, e.detail])).toEqual([
      [pushed, "refused_not_tenant_request", expect.stringContaining("not made by the connected portal user")],
    ]);
  });

  it("a request of another user of the same organisation is synced only when syncOrganisation is on", async () => {
    const org = await organisation(true);
    const mine = await portalAccount("end-user", org);
    const colleague = await portalAccount("end-user", org);
    const tenant = await createConnectedTenant({ portalUser: mine });
    const theirs = await colleague.as.createRequest({ subject: "Colleague's request", body: "Same organisation." });

    const off = await syncTenantNow(tenant.id);
    expect(off).toMatchObject({ status: "completed", ticketsCreated: 0, warnings: 1 });
    expect(await technician.ticketsLinkedTo(tenant.id)).toEqual([]);
    expect(await linksOf(tenant.id)).toEqual([]);
    expect(await portalRow(tenant.id)).toMatchObject({ portalUserId: mine.id, portalOrganizationId: org });
    const headers = await apiToken(tenant.id, "admin");
    expect((await SELF.fetch(`http://localhost/api/v1/tickets/${theirs}/resync`, { method: "POST", headers })).status).toBe(404);

    await db().update(tenantSettings).set({ syncOrganisation: true }).where(eq(tenantSettings.tenantId, tenant.id));
    const resync = await SELF.fetch(`http://localhost/api/v1/tickets/${theirs}/resync`, { method: "POST", headers });
    expect(resync.status).toBe(202);
    const { runId } = (await resync.json()) as { runId: string };
    const ended = await waitFor(
      async () => {
        const r = await db().query.syncRuns.findFirst({ where: eq(syncRuns.id, runId) });
        return r && r.status !== "queued" && r.status !== "running" ? r : undefined;
      },
      { timeoutMs: 20_000, what: "the resync run to end" },
    );
    expect(ended).toMatchObject({ status: "completed", ticketsCreated: 1 });
    expect((await technician.ticketsLinkedTo(tenant.id)).map((t) => t.externalXRef)).toEqual([`psa-sync:${tenant.id}:${theirs}`]);
  });
});

describe("the syncOrganisation setting", () => {
  it("is shown by the settings API (off by default) and on the settings page with an explanation", async () => {
    const tenant = await createConnectedTenant();
    const read = await SELF.fetch("http://localhost/api/v1/settings", { headers: await apiToken(tenant.id, "read") });
    expect(await read.json()).toMatchObject({ syncOrganisation: false });
    const page = await (await (await adminOf(tenant.id)).fetch(`/t/${tenant.id}/settings`)).text();
    expect(page).toContain('name="syncOrganisation"');
    expect(page).toContain("Requests of other providers are never synced.");
  });
});
