import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { it } from "vitest";
import { startTenantRun } from "../../src/cron/dispatch";
import { wireDemoPush } from "../../src/dev/demo-push";
import { runsInProgress } from "../../src/db/queries/runs";
import { syncRuns, ticketLinks } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { db } from "../factories/tenants";
import { createConnectedTenant } from "../factories/connections";
import { SANDBOX_ORIGIN, sandboxControl, sandboxDeliveries, useSandboxForFile } from "../setup/sandbox";
import { agent, portalUser } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { benchSize, report } from "./bench-helpers";
import { callsSince, lastCallId, queuedTicketSyncs, settle } from "./settle";

useSandboxForFile();

const pause = () => new Promise((r) => setTimeout(r, 1100));
const lastDeliveryId = async () => (await sandboxDeliveries(0)).at(-1)?.id ?? 0;

/** A tenant of its own (portal end user and API member), so the log's calls are its alone. */
async function economyTenant(push: boolean) {
  const user = { email: `economy-${crypto.randomUUID()}@msp.test`, apiToken: crypto.randomUUID().replaceAll("-", "") };
  await sandboxControl("/zendesk/end-users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
  const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString(), portalUser: user, ownCwMember: true });
  if (push) await wireDemoPush(env, db(), tenant.id, SANDBOX_ORIGIN, "http://localhost");
  return { tenant, customer: portalUser(user.email, user.apiToken) };
}

/**
 * Push on: the sandbox's callbacks and webhooks about this tenant's tickets, replayed into the
 * Worker (the sandbox cannot reach it) until nothing more is delivered and no call is made.
 */
async function replayPush(tenant: { id: string; hookId: string }, portalIds: Set<number>, fromDelivery: number): Promise<number> {
  let cursor = fromDelivery;
  for (let quiet = 0; quiet < 2; ) {
    const before = await lastCallId();
    const links = await db().select({ cw: ticketLinks.cwTicketId }).from(ticketLinks).where(eq(ticketLinks.tenantId, tenant.id));
    const cwIds = new Set(links.map((l) => l.cw));
    const fresh = (await sandboxDeliveries(cursor)).filter((d) => d.id > cursor);
    cursor = fresh.at(-1)?.id ?? cursor;
    const ours = fresh.filter((d) => {
      if (!d.url.includes(tenant.hookId)) return false;
      const recordId = new URL(d.url).searchParams.get("recordId");
      if (recordId !== null) return cwIds.has(Number(recordId));
      return [...portalIds].some((id) => d.body.includes(`"subject":"zen:ticket:${id}"`));
    });
    for (const d of ours) await SELF.fetch(d.url, { method: "POST", headers: d.headers, body: d.body });
    await new Promise((r) => setTimeout(r, 1500));
    quiet = ours.length === 0 && (await lastCallId()) === before ? quiet + 1 : 0;
  }
  return cursor;
}

/**
 * One steady-state tick with a known set of changes (2 new tickets with a comment each, 3 new
 * comments, 2 status changes, 3 untouched), on the schedule alone or with push on; then the
 * tick after it and an idle tick (schedule alone).
 */
async function economyTick(push: boolean) {
  const { tenant, customer } = await economyTenant(push);
  const ids: number[] = [];
  for (let i = 0; i < 10; i++) {
    const id = await customer.createRequest({ subject: `economy ${i}`, body: "base", priority: "normal", clusterId: "CZJ1234ABC" });
    await customer.comment(id, "first comment");
    ids.push(id);
  }
  const portalIds = new Set(ids);
  let delivered = push ? await lastDeliveryId() : 0;
  // The import, then runs until the versions of its own writes have settled.
  for (let r = 0; r < 5; r++) {
    const run = await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    if (push) delivered = await replayPush(tenant, portalIds, delivered);
    await pause();
    if (r >= 2 && run.ticketsSeen === 0) break;
  }
  for (let i = 0; i < 2; i++) {
    const id = await customer.createRequest({ subject: `economy new ${i}`, body: "new", clusterId: "CZJ1234ABC" });
    portalIds.add(id);
    await customer.comment(id, "its comment");
  }
  for (const id of ids.slice(0, 3)) await customer.comment(id, "another comment");
  for (const id of ids.slice(3, 5)) await agent.update(id, { status: "pending" });
  await pause();
  const count = (calls: Awaited<ReturnType<typeof callsSince>>, api: string, write?: boolean) =>
    calls.filter((c) => c.api === api && (api === "zendesk" || c.caller === tenant.id) && (write === undefined || (c.method !== "GET") === write)).length;
  const tick = async () => {
    const since = await lastCallId();
    if (push) delivered = await replayPush(tenant, portalIds, delivered);
    await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    if (push) delivered = await replayPush(tenant, portalIds, delivered);
    const calls = await callsSince(since);
    return {
      portal: count(calls, "zendesk"),
      portalWrites: count(calls, "zendesk", true),
      cw: count(calls, "connectwise"),
      cwWrites: count(calls, "connectwise", true),
    };
  };
  const changed = await tick();
  await pause();
  const next = await tick();
  await pause();
  const idle = await tick();
  return { tenant, portalIds, changed, next, idle };
}

// Minimum a perfect client needs (derivation in bench/results.md, from scripts/bench.mjs).
const MIN_PORTAL = 1 + 2 + 3;
/** The Requests API has no comment count: a status change cannot be told from a new comment without reading them. */
const MIN_PORTAL_READING_STATUS_CHANGES = MIN_PORTAL + 2;
const MIN_CW = 1 + 2 * 4 + 3 + 2;

it.each([false, true])(
  "API economy: one steady-state tick with a known set of changes (push %s)",
  async (push) => {
    const { tenant, portalIds, changed, next, idle } = await economyTick(push);
    await settle(tenant.id, { pushTickets: push ? [...portalIds] : [] });
    report(push ? "api economy, push on" : "api economy", {
      portalCalls: changed.portal,
      portalWrites: changed.portalWrites,
      portalMinimum: MIN_PORTAL,
      portalRatio: +(changed.portal / MIN_PORTAL).toFixed(2),
      portalRatioWithStatusReads: +(changed.portal / MIN_PORTAL_READING_STATUS_CHANGES).toFixed(2),
      cwCalls: changed.cw,
      cwWrites: changed.cwWrites,
      cwMinimum: MIN_CW,
      cwRatio: +(changed.cw / MIN_CW).toFixed(2),
      nextTickPortalCalls: next.portal,
      nextTickCwCalls: next.cw,
      idlePortalCalls: idle.portal,
      idleCwCalls: idle.cw,
      idleWrites: idle.portalWrites + idle.cwWrites,
    });
  },
  3_600_000,
);

it.each(benchSize().backfill.sizes)(
  "backfill: a tenant's first import of %i requests with a realistic per-call latency",
  async (requests) => {
    const { comments, latencyMs } = benchSize().backfill;
    // Its own portal user, so the listing holds exactly this backfill.
    const user = { email: `it@backfill-${requests}-${Date.now()}.test`, apiToken: `backfill-${requests}-${Date.now()}` };
    await sandboxControl("/zendesk/end-users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString(), portalUser: user });
    const bulk = { email: user.email, count: requests, comments, subjectPrefix: "backfill", clusterIds: ["CZJ1234ABC", "CZJ5678DEF", "CZJ0000ZZZ"] };
    await sandboxControl("/zendesk/requests/bulk", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bulk) });
    await pause();
    for (const api of ["connectwise", "zendesk"]) {
      await sandboxControl("/faults", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ api, rate: 1, kinds: ["slow"], slowMs: latencyMs }),
      });
    }
    const started = Date.now();
    const running = syncTenantNow(tenant.id, { timeoutMs: 3_600_000 });
    // Meanwhile: the ticket-sync messages outstanding (handed over, not yet done), and the
    // schedule trying to start more runs of the tenant every 2 s. A tenant's listings never
    // overlap: a try while a listing is in progress is skipped; one after the backfill's
    // listing is complete starts a run (its tickets are then still syncing, by design). The
    // rule is checked at every poll: at most one run of the tenant not done listing.
    let peakDepth = 0;
    let tries = 0;
    let overlappingListings = 0;
    let done = false;
    void running.finally(() => (done = true));
    while (!done) {
      peakDepth = Math.max(peakDepth, await queuedTicketSyncs(tenant.id));
      if ((await runsInProgress(db(), [tenant.id])).filter((r) => !r.listingComplete).length > 1) overlappingListings++;
      if (++tries % 8 === 0) await startTenantRun(env, tenant.id, "cron", createLogger({ bench: "backfill" }));
      await new Promise((r) => setTimeout(r, 250));
    }
    const run = await running;
    const ms = Date.now() - started;
    await sandboxControl("/faults", { method: "DELETE" });
    await settle(tenant.id);
    const runs = await db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenant.id));
    const scheduled = runs.filter((r) => r.trigger === "cron");
    report(`backfill ${requests}`, {
      requests,
      comments: requests * comments,
      latencyMs,
      status: run.status,
      wallSeconds: +(ms / 1000).toFixed(1),
      ticketsPerSecond: +(run.ticketsCreated / (ms / 1000)).toFixed(2),
      notesPerSecond: +(run.commentsMirrored / (ms / 1000)).toFixed(2),
      ticketsCreated: run.ticketsCreated,
      notesMirrored: run.commentsMirrored,
      portalCalls: run.portalCalls,
      cwCalls: run.cwCalls,
      peakQueueDepth: peakDepth,
      scheduledRunsTried: scheduled.length,
      scheduledRunsSkipped: scheduled.filter((r) => r.status === "skipped").length,
      scheduledRunsStartedAfterListing: scheduled.filter((r) => r.status !== "skipped").length,
      overlappingListings,
    });
  },
  3_600_000,
);
