import { createScheduledController, env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { runTickets, syncRuns, tenants, ticketLinks } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { sandboxControl, useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { waitFor } from "../setup/wait-for";

useSandbox();
afterEach(async () => {
  await sandboxControl("/faults", { method: "DELETE" });
});

const fireCron = () => worker.scheduled(createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }), env);
const runsOf = (tenantId: string) => db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenantId));
const ended = (status: string) => status !== "queued" && status !== "running";

/** Fires the cron and waits for the tenant's run it started to end. */
async function tick(tenantId: string) {
  const before = new Set((await runsOf(tenantId)).map((r) => r.id));
  await fireCron();
  return waitFor(
    async () => {
      const run = (await runsOf(tenantId)).find((r) => !before.has(r.id));
      return run && ended(run.status) ? run : undefined;
    },
    { timeoutMs: 30_000, what: "the tick's run to end" },
  );
}

const internalNotes = async (cwTicketId: number) =>
  (await technician.notes(cwTicketId)).filter((n) => n.internalAnalysisFlag).map((n) => n.text.split("\n").pop());

describe("runs never stall a tenant", () => {
  it("a ticket whose calls keep failing: the next three ticks each list and sync the tenant's other changes", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const stuck = await customer.createRequest({ subject: "Every call fails", body: "Poisoned.", clusterId: "CZJ1234ABC" });
    const fine = await customer.createRequest({ subject: "Syncs", body: "Healthy.", clusterId: "CZJ1234ABC" });
    // Every read of the stuck request's comments (its sync's first call: the request itself
    // comes with the listing) answers 503 with Retry-After 10 minutes: its message is still
    // retrying at the end, however short the tests' backoff (RETRY_MAX_SECONDS) is.
    await sandboxControl("/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        api: "zendesk",
        rate: 1,
        kinds: ["503"],
        retryAfterSeconds: 600,
        retryAfterOn503: true,
        pathPattern: `/requests/${stuck}/comments`,
      }),
    });

    await fireCron();
    const first = await waitFor(
      async () => {
        const [run] = await runsOf(tenant.id);
        const [done] = await db()
          .select()
          .from(runTickets)
          .where(and(eq(runTickets.tenantId, tenant.id), eq(runTickets.portalTicketId, fine), eq(runTickets.state, "done")));
        return run?.listingComplete && done ? run : undefined;
      },
      { timeoutMs: 30_000, what: "the first run to list, and sync the healthy ticket" },
    );
    const fineTicket = await technician.ticketFor(tenant.id, fine);

    for (let n = 1; n <= 3; n++) {
      await customer.comment(fine, `Comment of tick ${n}`);
      const run = await tick(tenant.id);
      expect(run, `tick ${n}`).toMatchObject({ status: "completed", failures: 0, commentsMirrored: 1 });
      expect(await internalNotes(fineTicket.id)).toEqual(Array.from({ length: n }, (_, i) => `Comment of tick ${i + 1}`));
    }

    const runs = await runsOf(tenant.id);
    expect(runs.filter((r) => r.status === "skipped")).toEqual([]);
    // The stuck ticket was handed over once, and is still counted to the first run, retrying.
    const handed = await db()
      .select()
      .from(runTickets)
      .where(and(eq(runTickets.tenantId, tenant.id), eq(runTickets.portalTicketId, stuck)));
    expect(handed).toEqual([expect.objectContaining({ runId: first.id, state: "queued" })]);
    expect(runs.find((r) => r.id === first.id)).toMatchObject({ status: "running", listingComplete: true });
    const [link] = await db()
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenant.id), eq(ticketLinks.portalTicketId, stuck)));
    expect(link).toMatchObject({ state: "error", cwTicketId: null });
    expect(link!.lastError).toMatch(/503/);
    const admin = await createUser("tenant_viewer", tenant.id);
    const client = await signIn(admin.email, admin.password);
    expect(await (await client.fetch(`/t/${tenant.id}`)).text()).toContain("1 still retrying");
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(1);
  });

  it("a run whose listing message was dropped is closed at the next tick, and that tick lists again", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 60_000).toISOString() });
    const id = await customer.createRequest({ subject: "Listed after a restart", body: "Hello.", clusterId: "CZJ1234ABC" });
    const sixMinutesAgo = new Date(Date.now() - 6 * 60_000).toISOString();
    await db()
      .insert(syncRuns)
      .values({ id: `dropped-${tenant.id}`, tenantId: tenant.id, trigger: "cron", status: "running", startedAt: sixMinutesAgo, progressAt: sixMinutesAgo });

    const run = await tick(tenant.id);
    expect(run).toMatchObject({ status: "completed", ticketsCreated: 1 });
    const dropped = (await runsOf(tenant.id)).find((r) => r.id === `dropped-${tenant.id}`);
    expect(dropped).toMatchObject({ status: "failed" });
    expect(dropped!.message).toMatch(/no progress for 5 minutes/);
    await technician.ticketFor(tenant.id, id);
  });

  it("a ticket message lost after its listing moved the cursor on is synced by the next tick (not lost)", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 60_000).toISOString() });
    const id = await customer.createRequest({ subject: "Its message was lost", body: "Hello.", clusterId: "CZJ1234ABC" });
    // The run listed it, moved the cursor past it, and its ticket message vanished an hour ago.
    const longAgo = new Date(Date.now() - 2 * 60 * 60_000).toISOString();
    await db()
      .update(tenants)
      .set({ portalCursor: new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, "Z") })
      .where(eq(tenants.id, tenant.id));
    await db()
      .insert(syncRuns)
      .values({
        id: `lost-${tenant.id}`,
        tenantId: tenant.id,
        trigger: "cron",
        status: "running",
        startedAt: longAgo,
        progressAt: longAgo,
        listingComplete: true,
      });
    await db()
      .insert(runTickets)
      .values({ runId: `lost-${tenant.id}`, tenantId: tenant.id, portalTicketId: id, source: "portal" });

    const run = await tick(tenant.id);
    expect(run).toMatchObject({ status: "completed", ticketsCreated: 1, ticketsSeen: 1 });
    const lost = (await runsOf(tenant.id)).find((r) => r.id === `lost-${tenant.id}`);
    expect(lost).toMatchObject({ status: "failed" });
    expect(lost!.message).toMatch(/no progress for an hour/);
    expect((await technician.ticketFor(tenant.id, id)).summary).toBe("Its message was lost");
  });
});
