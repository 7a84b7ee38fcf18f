import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterAll, it } from "vitest";
import { startTenantRun } from "../../src/cron/dispatch";
import { createDb } from "../../src/db/client";
import { requestResyncStatement } from "../../src/db/queries/tenants-admin";
import { syncRuns, ticketLinks } from "../../src/db/schema";
import { createLogger } from "../../src/lib/log";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { sandboxControl, useSandboxForFile } from "../setup/sandbox";
import { agent, portalUser, technician } from "../setup/sandbox-actors";
import { addUsage, emptyUsage, installUsageMeter, type Usage } from "../setup/usage-meter";
import { waitFor } from "../setup/wait-for";
import { report } from "./bench-helpers";

useSandboxForFile();

/** A small tenant; the same in quick and full runs (the figures are per ticket). */
const REQUESTS = 20;
const COMMENTS = 2;

// The bench's own reads go through a session of their own, which the meter leaves out.
const ownSession = env.DB.withSession();
const own = createDb(ownSession as unknown as D1Database);
const meter = installUsageMeter(ownSession);
afterAll(() => meter.uninstall());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Starts a run as the cron does and waits until it has ended and nothing moves any more. */
async function runAndSettle(tenantId: string) {
  meter.take(); // what the bench did to prepare is not the run's
  const started = await startTenantRun(env, tenantId, "manual", createLogger({ bench: "d1-writes" }));
  const run = await waitFor(
    async () => {
      const [row] = await own.select().from(syncRuns).where(eq(syncRuns.id, started.id));
      return row && row.status !== "queued" && row.status !== "running" ? row : undefined;
    },
    { timeoutMs: 120_000, what: `run ${started.id} to end` },
  );
  // A run ends when its last ticket does; that ticket's consumer may still be acking.
  for (let last = -1; meter.activity() !== last; await pause(500)) last = meter.activity();
  return { run, usage: meter.take() };
}

function figures(usage: Usage, tickets: number) {
  const per = (n: number) => +(n / tickets).toFixed(2);
  return {
    rowsWritten: per(usage.d1.rowsWritten),
    rowsChanged: per(usage.d1.changes),
    statements: per(usage.d1.statements),
    d1RoundTrips: per(usage.d1.roundTrips),
    rowsRead: per(usage.d1.rowsRead),
    tenantSyncSent: per(usage.sent["tenant-sync"]),
    ticketSyncSent: per(usage.sent["ticket-sync"]),
    delivered: per(Object.values(usage.delivered).reduce((a, b) => a + b, 0)),
    ticketSyncCalls: per(usage.objectCalls.TicketSync),
    portalBudgetCalls: per(usage.objectCalls.PortalBudget),
    callBudgetCalls: per(usage.objectCalls.CallBudget),
    rateLimiterCalls: per(usage.objectCalls.RateLimiter),
    writtenByTable: Object.entries(usage.writtenByTable)
      .sort(([, a], [, b]) => b - a)
      .map(([table, rows]) => `${table} ${per(rows)}`)
      .join("; "),
  };
}

/** Follow-up runs at most, before a phase counts as never settling. */
const MAX_FOLLOW_UPS = 3;

/**
 * One phase: the run that syncs the change (it must sync every ticket once, or the figures
 * are of something else), then the runs after it until one syncs nothing. psa-sync's own
 * writes can show up in the next listing, and what they cost belongs to the change.
 * Returns what the last run, with nothing left to sync, cost.
 */
async function phase(name: string, tenantId: string): Promise<Usage> {
  const { run, usage } = await runAndSettle(tenantId);
  if (run.status !== "completed" || run.failures !== 0 || usage.objectCalls.TicketSync !== REQUESTS) {
    throw new Error(`${name}: run ${run.status} with ${run.failures} failures, ${usage.objectCalls.TicketSync} ticket syncs (expected ${REQUESTS})`);
  }
  report(`D1, queues and objects per ticket: ${name}`, { tickets: REQUESTS, ...figures(usage, REQUESTS) });
  const followUps = emptyUsage();
  for (let runs = 0; ; runs++) {
    await pause(1100);
    const next = await runAndSettle(tenantId);
    if (next.usage.objectCalls.TicketSync === 0) {
      if (runs > 0) report(`D1, queues and objects per ticket: ${name}, the runs after it`, { runs, ...figures(followUps, REQUESTS) });
      return next.usage;
    }
    if (runs === MAX_FOLLOW_UPS) throw new Error(`${name}: still syncing ${next.usage.objectCalls.TicketSync} tickets ${runs + 1} runs later`);
    addUsage(followUps, next.usage);
  }
}

it("D1 rows, statements, queue messages and Durable Object calls per synced ticket", async () => {
  const user = { email: `it@d1-writes-${Date.now()}.test`, apiToken: `d1-writes-${Date.now()}` };
  await sandboxControl("/zendesk/end-users", json(user));
  const customer = portalUser(user.email, user.apiToken);
  const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString(), portalUser: user });
  const bulk = { email: user.email, count: REQUESTS, comments: COMMENTS, subjectPrefix: "d1 writes", clusterIds: ["CZJ1234ABC"] };
  const { ids } = (await (await sandboxControl("/zendesk/requests/bulk", json(bulk))).json()) as { ids: number[] };
  // Changes in the same second as a listing wait for the next run (settledVersion): step past it.
  await pause(1100);
  await phase("create (first import, 2 comments each)", tenant.id);

  for (const id of ids) {
    // The comment first: a requester's comment reopens a pending request.
    await customer.comment(id, `d1 writes: a new comment on ${id}`);
    await agent.update(id, { status: "pending" });
  }
  await pause(1100);
  await phase("update (status change + 1 comment)", tenant.id);

  const at = new Date().toISOString();
  const flags = ids.map((id) => requestResyncStatement(db(), tenant.id, id, at));
  await db().batch([flags[0]!, ...flags.slice(1)]);
  await phase("no-op (resync, nothing changed)", tenant.id);

  const links = await own.select({ cwTicketId: ticketLinks.cwTicketId }).from(ticketLinks).where(eq(ticketLinks.tenantId, tenant.id));
  for (const { cwTicketId } of links) await technician.addNoteInUi(cwTicketId!, "d1 writes: a technician's note");
  await pause(1100);
  const idle = await phase("ConnectWise-only change (1 technician note)", tenant.id);
  // What a tick costs a tenant with nothing changed.
  report("D1, queues and objects per idle run", figures(idle, 1));
}, 600_000);
