import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, failures, syncRuns, ticketLinks } from "../../src/db/schema";
import { createConnectedTenant } from "../factories/connections";
import { createTenant, db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { useSandbox } from "../setup/sandbox";
import { customer } from "../setup/sandbox-actors";
import { waitFor } from "../setup/wait-for";
import { csvOf, insertFailure, ticketSyncBody } from "./monitoring-fixtures";

useSandbox();

const failureRow = async (id: number) => (await db().select().from(failures).where(eq(failures.id, id)))[0]!;
const auditOf = (tenantId: string) => db().select().from(auditLog).where(eq(auditLog.tenantId, tenantId));

async function adminOf(tenantId: string) {
  const user = await createUser("tenant_admin", tenantId);
  return { user, client: await signIn(user.email, user.password) };
}

describe("failures page", () => {
  it("lists failures with reason, attempts and replay state; viewers see no replay buttons", async () => {
    const tenant = await createTenant();
    await insertFailure(tenant.id, ticketSyncBody(tenant.id, 88), { reason: "ConnectWise kept answering 503", attempts: 9 });
    const viewer = await createUser("tenant_viewer", tenant.id);
    const client = await signIn(viewer.email, viewer.password);
    const html = await (await client.fetch(`/t/${tenant.id}/failures`)).text();
    expect(html).toContain("ConnectWise kept answering 503");
    expect(html).toContain("not replayed");
    expect(html).toContain(`/t/${tenant.id}/tickets/88`);
    expect(html).not.toContain("/replay");
    expect(html).toContain("Only a tenant admin can replay failures.");
  });
});

describe("failures CSV", () => {
  it("downloads the listed failures (state filter kept), escaped and formula-safe, without message bodies, of this tenant only", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const a = await insertFailure(tenant.id, ticketSyncBody(tenant.id, 71), { reason: 'ConnectWise said "no", twice', createdAt: "2026-06-01T09:00:00.000Z" });
    const b = await insertFailure(tenant.id, "not json at all", { reason: "=cmd|' /C calc'!A0", createdAt: "2026-06-02T09:00:00.000Z" });
    await insertFailure(tenant.id, ticketSyncBody(tenant.id, 72), { replayState: "replayed", replayedAt: "2026-06-03T09:00:00.000Z", reason: "replayed one" });
    await insertFailure(other.id, ticketSyncBody(other.id, 73), { reason: "other tenant's failure" });
    const { client } = await adminOf(tenant.id);

    expect(await (await client.fetch(`/t/${tenant.id}/failures?state=new`)).text()).toContain(`href="/t/${tenant.id}/failures.csv?state=new"`);
    const fresh = await csvOf(await client.fetch(`/t/${tenant.id}/failures.csv?state=new`));
    expect(fresh.disposition).toMatch(/^attachment; filename="failures-\d{4}-\d\d-\d\d\.csv"$/);
    expect(fresh.text.split("\r\n")).toEqual([
      "id,created_at,queue,message,portal_ticket_id,reason,attempts,replay_state,replayed_at",
      `${b.id},2026-06-02T09:00:00.000Z,ticket-sync,unreadable message,,'=cmd|' /C calc'!A0,9,new,`,
      `${a.id},2026-06-01T09:00:00.000Z,ticket-sync,ticket sync,71,"ConnectWise said ""no"", twice",9,new,`,
      "",
    ]);
    const all = (await csvOf(await client.fetch(`/t/${tenant.id}/failures.csv`))).text;
    expect(all).toContain(",ticket sync,72,replayed one,9,replayed,2026-06-03T09:00:00.000Z\r\n");
    expect(all).not.toContain("other tenant");
    expect(all).not.toContain("run-long-gone");
    expect((await client.fetch(`/t/${other.id}/failures.csv`)).status).toBe(404);
  });
});

describe("replaying a failure", () => {
  it("re-sends a dead-lettered ticket sync: the ticket syncs, the row is marked replayed and audited", async () => {
    const tenant = await createConnectedTenant();
    const requestId = await customer.createRequest({ subject: "Replayed printer ticket", body: "Tray 2 jams.", clusterId: "CZJ9012GHI" });
    const failure = await insertFailure(tenant.id, ticketSyncBody(tenant.id, requestId));
    const { user, client } = await adminOf(tenant.id);

    const res = await client.fetch(`/t/${tenant.id}/failures/${failure.id}/replay`, { form: {} });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toContain("replayed=1");
    const row = await failureRow(failure.id);
    expect(row.replayState).toBe("replayed");
    expect(row.replayedAt).not.toBeNull();

    const link = await waitFor(
      async () => {
        const [l] = await db()
          .select()
          .from(ticketLinks)
          .where(and(eq(ticketLinks.tenantId, tenant.id), eq(ticketLinks.portalTicketId, requestId)));
        return l?.lastSyncedAt ? l : undefined;
      },
      { timeoutMs: 20_000, what: "the replayed ticket to sync" },
    );
    expect(link.cwTicketId).not.toBeNull();
    const entries = await auditOf(tenant.id);
    expect(entries).toContainEqual(expect.objectContaining({ action: "failures.replayed", userId: user.id, target: `failure:${failure.id}` }));

    const page = await (await client.fetch(res.headers.get("location")!)).text();
    expect(page).toContain("1 message(s) sent again");
    // A second replay of the same row is refused: it was already sent.
    expect((await client.fetch(`/t/${tenant.id}/failures/${failure.id}/replay`, { form: {} })).status).toBe(409);
  });

  it("replays all: sendable ones are sent, an unreadable body is kept and reported, a failed run restarts as a new run", async () => {
    const tenant = await createConnectedTenant();
    const a = await customer.createRequest({ subject: "Replay all A", body: "a" });
    const good = await insertFailure(tenant.id, ticketSyncBody(tenant.id, a));
    const junk = await insertFailure(tenant.id, '{"kind":"mystery"', { reason: "invalid_payload" });
    const run = await insertFailure(tenant.id, { kind: "tenant-sync", v: 1, tenantId: tenant.id, runId: "old" }, { queue: "tenant-sync" });
    const { client } = await adminOf(tenant.id);

    const res = await client.fetch(`/t/${tenant.id}/failures/replay`, { form: {} });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toContain("replayed=2");
    expect(location).toContain("kept=1");
    expect((await failureRow(good.id)).replayState).toBe("replayed");
    expect((await failureRow(run.id)).replayState).toBe("replayed");
    expect((await failureRow(junk.id)).replayState).toBe("new");
    const runs = await db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenant.id));
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trigger).toBe("manual");
    const html = await (await client.fetch(location)).text();
    expect(html).toContain("could not be read");
    expect(html).toContain("cannot be replayed");
    await waitFor(
      async () => {
        const [r] = await db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenant.id));
        return r && r.status !== "queued" && r.status !== "running" ? r : undefined;
      },
      { timeoutMs: 20_000, what: "the restarted run to end" },
    );
  });

  it("refuses viewers (403) and posts without the CSRF token (403), changing nothing", async () => {
    const tenant = await createTenant();
    const failure = await insertFailure(tenant.id, ticketSyncBody(tenant.id, 12));
    const viewer = await createUser("tenant_viewer", tenant.id);
    const viewerClient = await signIn(viewer.email, viewer.password);
    expect((await viewerClient.fetch(`/t/${tenant.id}/failures/${failure.id}/replay`, { form: {} })).status).toBe(403);
    expect((await viewerClient.fetch(`/t/${tenant.id}/failures/replay`, { form: {} })).status).toBe(403);

    const { client } = await adminOf(tenant.id);
    expect((await client.fetch(`/t/${tenant.id}/failures/${failure.id}/replay`, { form: {}, csrf: false })).status).toBe(403);
    expect((await client.fetch(`/t/${tenant.id}/failures/replay`, { form: { csrf: "0".repeat(32) }, csrf: false })).status).toBe(403);

    const operator = await createUser("operator", null);
    const opClient = await signIn(operator.email, operator.password);
    expect((await opClient.fetch(`/t/${tenant.id}/failures/replay`, { form: {} })).status).toBe(403);

    expect((await failureRow(failure.id)).replayState).toBe("new");
    expect(await auditOf(tenant.id)).toHaveLength(0);
  });
});
