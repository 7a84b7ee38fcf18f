import { createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { pruneExpired, AUDIT_LOG_RETENTION_DAYS, TICKET_EVENT_RETENTION_DAYS, WEBHOOK_DELIVERY_RETENTION_DAYS } from "../../src/cron/retention";
import { RETENTION_CRON, RUNS_CRON } from "../../src/cron/scheduled";
import { auditLog, sessions, signInLinks, syncRuns, ticketEvents, webhookDeliveries } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { createUser } from "../setup/admin-client";
import { createTenant, db } from "../factories/tenants";
import { captureLogs } from "../setup/logs";

/** Every row of this file's tables is the test's own (storage is per test file). */
const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse("2026-06-15T03:17:00.000Z");
const ago = (days: number, extraMs = 0) => new Date(NOW - days * DAY - extraMs).toISOString();
const inFuture = (days: number) => new Date(NOW + days * DAY).toISOString();
const count = async (table: Parameters<ReturnType<typeof db>["$count"]>[0]) => db().$count(table);

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

async function seedAgedRows() {
  const tenant = await createTenant();
  const user = await createUser("tenant_admin", tenant.id);
  const d = db();
  // Just past and just within each period, so an off-by-a-day cutoff fails.
  await d.insert(webhookDeliveries).values([
    { tenantId: tenant.id, source: "portal", deliveryId: "old-1", receivedAt: ago(WEBHOOK_DELIVERY_RETENTION_DAYS, 60_000) },
    { tenantId: tenant.id, source: "connectwise", deliveryId: "old-2", receivedAt: ago(30) },
    { tenantId: tenant.id, source: "portal", deliveryId: "recent", receivedAt: ago(WEBHOOK_DELIVERY_RETENTION_DAYS - 1) },
  ]);
  const event = (at: string) => ({ tenantId: tenant.id, portalTicketId: 1, action: "create_cw_ticket", at });
  await d
    .insert(ticketEvents)
    .values([event(ago(TICKET_EVENT_RETENTION_DAYS, 60_000)), event(ago(400)), event(ago(400)), event(ago(TICKET_EVENT_RETENTION_DAYS - 1)), event(ago(0))]);
  const entry = (at: string) => ({ tenantId: tenant.id, action: "sync.requested", at });
  await d.insert(auditLog).values([entry(ago(AUDIT_LOG_RETENTION_DAYS, 60_000)), entry(ago(AUDIT_LOG_RETENTION_DAYS - 1))]);
  const session = (n: string, expiresAt: string) => ({ tokenHash: `session-${n}`, userId: user.id, csrfToken: "x", lastSeenAt: ago(1), expiresAt });
  await d.insert(sessions).values([session("expired", ago(0, 1000)), session("live", inFuture(1))]);
  const link = (n: string, expiresAt: string, usedAt: string | null) => ({ tokenHash: `link-${n}`, userId: user.id, expiresAt, usedAt });
  await d.insert(signInLinks).values([link("used", inFuture(1), ago(0, 1000)), link("expired", ago(0, 1000), null), link("open", inFuture(1), null)]);
}

describe("retention: the daily cron prunes what is past its period", () => {
  it("deletes old rows and keeps recent ones, with exact counts, when the daily cron fires", async () => {
    await seedAgedRows();
    const runsBefore = await count(syncRuns);

    await worker.scheduled(createScheduledController({ cron: RETENTION_CRON, scheduledTime: NOW }), env);

    expect((await db().select().from(webhookDeliveries)).map((r) => r.deliveryId)).toEqual(["recent"]);
    expect(await count(ticketEvents)).toBe(2);
    expect(await count(auditLog)).toBe(1);
    expect((await db().select().from(sessions)).map((r) => r.tokenHash)).toEqual(["session-live"]);
    expect((await db().select().from(signInLinks)).map((r) => r.tokenHash)).toEqual(["link-open"]);
    // The retention cron starts no tenant runs.
    expect(await count(syncRuns)).toBe(runsBefore);
    expect(logs.events("retention.pruned")).toMatchObject([
      { cron: RETENTION_CRON, webhookDeliveries: 2, ticketEvents: 3, sessions: 1, auditLog: 1, signInLinks: 2 },
    ]);

    // A second run finds nothing more.
    expect(await pruneExpired(env.DB, createLogger(), NOW)).toEqual({ webhookDeliveries: 0, ticketEvents: 0, sessions: 0, auditLog: 0, signInLinks: 0 });
  });

  it("deletes in bounded batches and stops at the cap, leaving the rest for the next day", async () => {
    const tenant = await createTenant();
    const old = Array.from({ length: 7 }, (_, i) => ({ tenantId: tenant.id, portalTicketId: 2, action: "note", at: ago(TICKET_EVENT_RETENTION_DAYS + 10, i) }));
    await db().insert(ticketEvents).values(old);
    const before = await count(ticketEvents);

    const capped = () => logs.events("retention.capped").map((e) => e.table);
    const first = await pruneExpired(env.DB, createLogger(), NOW, { batch: 2, maxBatches: 3 });
    expect(first.ticketEvents).toBe(6);
    expect(await count(ticketEvents)).toBe(before - 6);
    expect(capped()).toEqual(["ticketEvents"]);
    const second = await pruneExpired(env.DB, createLogger(), NOW, { batch: 2, maxBatches: 3 });
    expect(second.ticketEvents).toBe(1);
    expect(capped()).toEqual(["ticketEvents"]);
    expect(logs.methods("retention.capped")).toEqual(["warn"]);
  });

  it("the five-minute cron still dispatches runs and prunes nothing", async () => {
    const tenant = await createTenant();
    await db()
      .insert(webhookDeliveries)
      .values({ tenantId: tenant.id, source: "portal", deliveryId: "kept", receivedAt: ago(100) });
    await worker.scheduled(createScheduledController({ cron: RUNS_CRON, scheduledTime: NOW }), env);
    expect((await db().select().from(webhookDeliveries)).map((r) => r.deliveryId)).toContain("kept");
    expect(logs.events("cron.dispatched")).toHaveLength(1);
  });
});
