import { createScheduledController, env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { runTickets, syncRuns, ticketEvents, ticketLinks } from "../../src/db/schema";
import { createTenant, createTicketLink, db } from "../factories/tenants";
import { waitFor } from "../setup/wait-for";

const fireCron = (at = new Date()) =>
  worker.scheduled(createScheduledController({ cron: "*/5 * * * *", scheduledTime: at.getTime() }), env);

const runsOf = (tenantId: string) => db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenantId));

describe("cron → tenant-sync queue → ticket-sync queue → TicketSync Durable Object", () => {
  it("runs every active tenant once and syncs the tickets it hands over", async () => {
    const active = await createTenant();
    const paused = await createTenant({ paused: true });
    const disabled = await createTenant({ status: "disabled" });
    await createTicketLink(active.id, 101, { resyncRequested: true, cwTicketId: 9001 });
    await createTicketLink(active.id, 102, { resyncRequested: true });
    await createTicketLink(active.id, 103, { resyncRequested: false });

    await fireCron();

    const [run] = await runsOf(active.id);
    expect(run).toMatchObject({ trigger: "cron" });
    expect(await runsOf(paused.id)).toHaveLength(0);
    expect(await runsOf(disabled.id)).toHaveLength(0);

    // The real local queue consumers run: wait for the run to complete end to end.
    const done = await waitFor(
      async () => {
        const [r] = await runsOf(active.id);
        return r?.status === "completed" ? r : undefined;
      },
      { what: "the run to complete" },
    );
    expect(done).toMatchObject({ ticketsSeen: 2, failures: 0, listingComplete: true });
    expect(done.finishedAt).not.toBeNull();

    // Each handed-over ticket went through its Durable Object, which recorded the sync in D1.
    const events = await db().select().from(ticketEvents).where(eq(ticketEvents.tenantId, active.id));
    expect(events.map((e) => [e.portalTicketId, e.action, e.runId]).sort()).toEqual([
      [101, "sync.checked", run!.id],
      [102, "sync.checked", run!.id],
    ]);
    expect(events.find((e) => e.portalTicketId === 101)?.cwTicketId).toBe(9001);
    const links = await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, active.id));
    expect(links.filter((l) => l.resyncRequested)).toHaveLength(0);
    expect(links.find((l) => l.portalTicketId === 101)?.lastSyncedAt).not.toBeNull();
    expect(links.find((l) => l.portalTicketId === 103)?.lastSyncedAt).toBeNull();
    const handed = await db().select().from(runTickets).where(eq(runTickets.runId, run!.id));
    expect(handed.every((t) => t.state === "done")).toBe(true);
  });

  it("does not overlap runs: a tenant whose run is still going gets a skipped run", async () => {
    const tenant = await createTenant();
    await db().insert(syncRuns).values({ id: `busy-${tenant.id}`, tenantId: tenant.id, trigger: "cron", status: "running" });

    await fireCron();

    const runs = await runsOf(tenant.id);
    const skipped = runs.filter((r) => r.status === "skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.message).toBe("skipped: previous run in progress");
    expect(runs.filter((r) => r.status === "queued" || r.status === "running").map((r) => r.id)).toEqual([`busy-${tenant.id}`]);
  });

  it("closes a run stuck for over an hour and starts a fresh one", async () => {
    const tenant = await createTenant();
    const longAgo = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    await db().insert(syncRuns).values({ id: `stuck-${tenant.id}`, tenantId: tenant.id, trigger: "cron", status: "running", startedAt: longAgo });

    await fireCron();

    const stuck = await db().query.syncRuns.findFirst({ where: and(eq(syncRuns.id, `stuck-${tenant.id}`)) });
    expect(stuck?.status).toBe("failed");
    expect(stuck?.message).toMatch(/timed out/);
    const fresh = await waitFor(async () => (await runsOf(tenant.id)).find((r) => r.status === "completed"), { what: "a fresh run" });
    expect(fresh.id).not.toBe(`stuck-${tenant.id}`);
  });
});
