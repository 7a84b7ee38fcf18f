import { createScheduledController, env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { runTickets, syncRuns, tenants, ticketEvents } from "../../src/db/schema";
import { createConnectedTenant, createTenantWithCustomer } from "../factories/connections";
import { createTenant, db } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";
import { waitFor } from "../setup/wait-for";

const fireCron = (at = new Date()) => worker.scheduled(createScheduledController({ cron: "*/5 * * * *", scheduledTime: at.getTime() }), env);
const runsOf = (tenantId: string) => db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenantId));
const ended = (tenantId: string) => async () => {
  const runs = await runsOf(tenantId);
  return runs.length > 0 && runs.every((r) => r.status !== "queued" && r.status !== "running") ? runs : undefined;
};

useSandbox();

describe("cron → tenant-sync queue → ticket-sync queue → TicketSync Durable Object", () => {
  it("runs every active, connected tenant once, through to its tickets' Durable Objects", async () => {
    // Its own portal user: other tests' requests are not in its window, so counts are exact.
    const { tenant: active, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const paused = await createConnectedTenant();
    await db().update(tenants).set({ paused: true }).where(eq(tenants.id, paused.id));
    const onboarding = await createTenant();
    const requestId = await customer.createRequest({ subject: "Disk alert", body: "Disk 4 predicted failure.", clusterId: "CZJ9012GHI" });

    await fireCron();

    const [run] = await waitFor(ended(active.id), { what: "the active tenant's run to end" });
    expect(run).toMatchObject({ trigger: "cron", status: "completed", listingComplete: true, ticketsCreated: 1, failures: 0 });
    expect(await runsOf(paused.id)).toHaveLength(0);
    expect(await runsOf(onboarding.id)).toHaveLength(0);

    const events = await db()
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.tenantId, active.id), eq(ticketEvents.portalTicketId, requestId)));
    expect(events.map((e) => e.action)).toEqual(["create_cw_ticket", "attach_configuration"]);
    expect(events.every((e) => e.runId === run!.id)).toBe(true);
    const handed = await db().select().from(runTickets).where(eq(runTickets.runId, run!.id));
    expect(handed.map((t) => [t.portalTicketId, t.state])).toContainEqual([requestId, "done"]);
  });

  it("does not overlap listings: a tenant whose run is still listing gets a skipped run", async () => {
    const tenant = await createConnectedTenant();
    await db()
      .insert(syncRuns)
      .values({ id: `busy-${tenant.id}`, tenantId: tenant.id, trigger: "cron", status: "running" });

    await fireCron();

    const runs = await runsOf(tenant.id);
    const skipped = runs.filter((r) => r.status === "skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.message).toBe("skipped: the previous run is still listing changes");
    expect(runs.filter((r) => r.status === "queued" || r.status === "running").map((r) => r.id)).toEqual([`busy-${tenant.id}`]);
  });

  it("closes a run whose listing stopped moving for over a tick and starts a fresh one", async () => {
    const tenant = await createConnectedTenant();
    const longAgo = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    await db()
      .insert(syncRuns)
      .values({ id: `stuck-${tenant.id}`, tenantId: tenant.id, trigger: "cron", status: "running", startedAt: longAgo });

    await fireCron();

    const stuck = await db().query.syncRuns.findFirst({ where: eq(syncRuns.id, `stuck-${tenant.id}`) });
    expect(stuck?.status).toBe("failed");
    expect(stuck?.message).toMatch(/no progress for 5 minutes/);
    const fresh = await waitFor(async () => (await runsOf(tenant.id)).find((r) => r.status === "completed"), { what: "a fresh run" });
    expect(fresh.id).not.toBe(`stuck-${tenant.id}`);
  });
});
