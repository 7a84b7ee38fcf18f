import { env } from "cloudflare:test";
import { and, inArray, sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { dispatchTenantRuns } from "../../src/cron/dispatch";
import { inChunks } from "../../src/db/client";
import { failures, syncRuns, ticketEvents } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { accountBurst, portalLimitVar, steadyCalls } from "../../src/limits/portal-budget";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { sandboxControl, useSandboxForFile } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { clearSandboxLimits, rateLimited, sandboxCalls, setSandboxLimits, type LoggedCall } from "../setup/sandbox-log";
import { busiestWindow } from "../setup/windows";
import { waitFor } from "../setup/wait-for";

/**
 * Load (issues 7 and 15): many tenants with a few changed tickets each, plus idle tenants,
 * under the real limits: the sandbox enforces the portal account's budget (700/min) and each
 * ConnectWise API member's (1,000/min), the Worker runs with PORTAL_CALL_LIMIT 600/60 and
 * CW_CALL_LIMIT 1000/60 (scripts/load.mjs), and the schedule ticks every `tickSeconds` until
 * everything is mirrored. Every tenant has its own portal user and API member, so the
 * sandbox log tells tenants apart. `npm run load` (LOAD_* resize it).
 */
const cfg = inject("load");
const TICK_MS = cfg.tickSeconds * 1000;
const CLUSTERS = ["CZJ1234ABC", "CZJ5678DEF", "CZJ9012GHI", "CZJ0000ZZZ"];
const ACCOUNT_LIMIT = 700;
const MEMBER_LIMIT = 1000;
/** The High Volume add-on's account limit, and the cap psa-sync would set under it (docs/scaling.md). */
const HIGH_VOLUME = { account: 2500, cap: { calls: 2300, windowMs: 60_000 } };
/** A portal call about one request (read, comments, write), as opposed to a run's identity check and listing. */
const PER_TICKET_PATH = /\/api\/v2\/(requests|tickets)\/\d+/;

useSandboxForFile();

async function inPool<T, R>(items: T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

const post = (path: string, body: unknown) =>
  sandboxControl(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** p-th percentile (nearest rank) of ascending values. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** Per ticket: when its ConnectWise ticket was created and its last comment mirrored (ticket_events), and how many of each. */
async function mirrored(ids: string[]) {
  return inChunks(ids, (chunk) =>
    db()
      .select({
        tenantId: ticketEvents.tenantId,
        portalTicketId: ticketEvents.portalTicketId,
        creates: sql<number>`sum(${ticketEvents.action} = 'create_cw_ticket')`,
        notes: sql<number>`sum(${ticketEvents.action} = 'mirror_comment_to_cw')`,
        lastAt: sql<string>`max(${ticketEvents.at})`,
      })
      .from(ticketEvents)
      .where(and(inArray(ticketEvents.tenantId, chunk), inArray(ticketEvents.action, ["create_cw_ticket", "mirror_comment_to_cw"])))
      .groupBy(ticketEvents.tenantId, ticketEvents.portalTicketId),
  );
}

/** Calls per endpoint (ids as N), most first: shows which calls a deferred ticket sync repeats. */
function byEndpoint(calls: LoggedCall[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const c of calls) {
    const key = `${c.method} ${c.path.split("?")[0]!.replace(/\d+/g, "N")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

describe(`load: ${cfg.tenants} tenants × ${cfg.tickets} changed tickets (+ ${cfg.idle} idle) under the real limits, ticking every ${cfg.tickSeconds} s`, () => {
  it(
    "mirrors every change exactly once without a single account 429, each member under its limit",
    async () => {
      const changed = cfg.tenants * cfg.tickets;
      const notesExpected = changed * cfg.comments;
      const stamp = Date.now();
      const users = Array.from({ length: cfg.tenants + cfg.idle }, (_, i) => ({ email: `it@load-${i}-${stamp}.test`, apiToken: `load-${i}-${stamp}` }));
      const tenants = await inPool(users, 8, async (user) => {
        await post("/zendesk/end-users", user);
        return createConnectedTenant({ syncFrom: new Date(stamp - 1500).toISOString(), portalUser: user, ownCwMember: true });
      });
      const ids = tenants.map((t) => t.id);
      const active = ids.slice(0, cfg.tenants);
      // The changes, last: each tenant's change time is when its requests exist.
      const changedAt = new Map<string, number>();
      await inPool(active, 8, async (id, i) => {
        await post("/zendesk/requests/bulk", {
          email: users[i]!.email,
          count: cfg.tickets,
          comments: cfg.comments,
          subjectPrefix: `load ${i}`,
          clusterIds: CLUSTERS,
        });
        changedAt.set(id, Date.now());
      });
      const setupSeconds = (Date.now() - stamp) / 1000;
      await setSandboxLimits({ zendesk: ACCOUNT_LIMIT, connectwise: MEMBER_LIMIT });
      const [zendeskFrom, connectwiseFrom] = [(await sandboxCalls("zendesk")).at(-1)?.id ?? 0, (await sandboxCalls("connectwise")).at(-1)?.id ?? 0];

      // The schedule: a tick every TICK_MS until every ticket and note is mirrored (or time is up).
      const logger = createLogger({ test: "load" });
      const started = Date.now();
      const ticks: { at: number; dispatched: number; skipped: number; ticketsMirroredBefore: number }[] = [];
      let progress = { tickets: 0, notes: 0 };
      for (;;) {
        ticks.push({ at: Date.now(), ticketsMirroredBefore: progress.tickets, ...(await dispatchTenantRuns(env, "cron", logger)) });
        const next = started + ticks.length * TICK_MS;
        while (Date.now() < next && progress.notes + progress.tickets < changed + notesExpected) {
          await new Promise((r) => setTimeout(r, 5000));
          const rows = await mirrored(active);
          progress = { tickets: rows.filter((r) => r.creates > 0).length, notes: rows.reduce((n, r) => n + r.notes, 0) };
        }
        if (progress.notes + progress.tickets >= changed + notesExpected || Date.now() - started >= cfg.maxMinutes * 60_000) break;
      }
      const mirrorSeconds = (Date.now() - started) / 1000;
      const complete = progress.tickets === changed && progress.notes === notesExpected;
      // Runs still listing (idle tenants' last tick) end within seconds; then nothing more is sent.
      // A run stopped by LOAD_MAX_MINUTES still has work queued: it is reported, not waited for.
      const runs = !complete
        ? undefined
        : await waitFor(
            async () => {
              const rows = await inChunks(ids, (chunk) => db().select().from(syncRuns).where(inArray(syncRuns.tenantId, chunk)));
              return rows.every((r) => r.status !== "queued" && r.status !== "running") ? rows : undefined;
            },
            { timeoutMs: 120_000, intervalMs: 2000, what: "every run to end" },
          ).catch(() => undefined);

      const portal = await sandboxCalls("zendesk", zendeskFrom);
      const cw = await sandboxCalls("connectwise", connectwiseFrom);
      // Read back independently through the ConnectWise API (as the demo technician, unthrottled).
      await clearSandboxLimits();
      const linkedPerTenant = await inPool(active, 4, async (id) => {
        const tickets = await technician.ticketsLinkedTo(id);
        return { tickets: tickets.length, distinct: new Set(tickets.map((t) => t.externalXRef)).size };
      });
      const linked = linkedPerTenant.reduce((n, t) => n + t.tickets, 0);
      const duplicates = linkedPerTenant.reduce((n, t) => n + t.tickets - t.distinct, 0);
      const failed = await inChunks(ids, (chunk) => db().select({ id: failures.id }).from(failures).where(inArray(failures.tenantId, chunk)));
      const perTicket = await mirrored(active);

      // Change to mirror: from the tenant's change to the ticket's last mirrored item.
      const delays = perTicket.map((r) => (Date.parse(r.lastAt) - changedAt.get(r.tenantId)!) / 1000).sort((a, b) => a - b);
      const lastMirrorAt = Math.max(...perTicket.map((r) => Date.parse(r.lastAt)));
      const portalTimes = portal.filter((c) => !rateLimited(c)).map((c) => Date.parse(c.at));
      const byMember = new Map<string, number[]>();
      for (const c of cw)
        if (!rateLimited(c) && c.caller !== null) (byMember.get(c.caller) ?? byMember.set(c.caller, []).get(c.caller)!).push(Date.parse(c.at));
      const memberMinutes = [...byMember.values()].map((times) => busiestWindow(times, 60_000)).sort((a, b) => a - b);
      const perTicketCalls = portal.filter((c) => !rateLimited(c) && PER_TICKET_PATH.test(c.path)).length;
      const runsStarted = ticks.reduce((n, t) => n + t.dispatched, 0);
      const perRun = (portalTimes.length - perTicketCalls) / Math.max(1, runsStarted);
      const callsPerChanged = portalTimes.length / changed;
      // High Volume: calls a 5-minute tick gets (burst + 5 minutes at the steady pace) against what the load needs.
      const hvPerTick = accountBurst(HIGH_VOLUME.cap) + 5 * steadyCalls(HIGH_VOLUME.cap);
      const overheadPerTick = perRun * (cfg.tenants + cfg.idle);
      const lastTick = ticks.findLastIndex((t) => t.at <= lastMirrorAt) + 1;
      const report = {
        event: "load.report",
        tenants: cfg.tenants,
        idleTenants: cfg.idle,
        ticketsPerTenant: cfg.tickets,
        commentsPerTicket: cfg.comments,
        tickSeconds: cfg.tickSeconds,
        limits: {
          portalCallLimit: env.PORTAL_CALL_LIMIT,
          cwCallLimit: env.CW_CALL_LIMIT,
          sandboxAccountPerMinute: ACCOUNT_LIMIT,
          sandboxMemberPerMinute: MEMBER_LIMIT,
        },
        setupSeconds: +setupSeconds.toFixed(1),
        mirrorSeconds: +mirrorSeconds.toFixed(1),
        ticksToMirrorAll: complete ? lastTick : null,
        ticks: ticks.map((t) => ({
          atSeconds: Math.round((t.at - started) / 1000),
          dispatched: t.dispatched,
          skipped: t.skipped,
          ticketsMirroredBefore: t.ticketsMirroredBefore,
        })),
        changed,
        ticketsCreated: perTicket.reduce((n, r) => n + r.creates, 0),
        notesMirrored: perTicket.reduce((n, r) => n + r.notes, 0),
        notesExpected,
        ticketsLinked: linked,
        duplicates,
        failures: failed.length,
        runsUnfinished: runs === undefined ? "some runs still queued or running when measured" : 0,
        portal: {
          calls: portalTimes.length,
          busiest60s: busiestWindow(portalTimes, 60_000),
          account429s: portal.filter(rateLimited).length,
          perChangedTicket: +callsPerChanged.toFixed(2),
          perTicketCalls,
          perTicketCallsPerChanged: +(perTicketCalls / changed).toFixed(2),
          runsStarted,
          perRunCalls: +perRun.toFixed(2),
          byEndpoint: byEndpoint(portal.filter((c) => !rateLimited(c))),
        },
        connectwise: {
          calls: cw.filter((c) => !rateLimited(c)).length,
          member429s: cw.filter(rateLimited).length,
          busiestMemberMinute: memberMinutes.at(-1) ?? 0,
          medianMemberBusiestMinute: percentile(memberMinutes, 50),
        },
        changeToMirrorSeconds: { p50: +percentile(delays, 50).toFixed(1), p95: +percentile(delays, 95).toFixed(1), max: +(delays.at(-1) ?? 0).toFixed(1) },
        highVolume: {
          accountPerMinute: HIGH_VOLUME.account,
          portalCallLimit: `${HIGH_VOLUME.cap.calls}/60`,
          callsPerTick: hvPerTick,
          overheadPerTick: Math.round(overheadPerTick),
          perTicketCalls,
          ticksNeeded: overheadPerTick >= hvPerTick ? null : Math.ceil(perTicketCalls / (hvPerTick - overheadPerTick)),
        },
      };
      console.info(JSON.stringify(report));

      expect(report.portal.account429s).toBe(0);
      expect(report.portal.busiest60s).toBeLessThanOrEqual(portalLimitVar.parse(env.PORTAL_CALL_LIMIT)!.calls);
      expect(report.connectwise.member429s).toBe(0);
      expect(report.connectwise.busiestMemberMinute).toBeLessThanOrEqual(MEMBER_LIMIT);
      expect(report.ticketsCreated).toBe(changed);
      expect(report.notesMirrored).toBe(notesExpected);
      expect(linked).toBe(changed);
      expect(duplicates).toBe(0);
      expect(failed).toHaveLength(0);
    },
    (cfg.maxMinutes + 15) * 60_000,
  );
});
