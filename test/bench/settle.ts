import { env, runInDurableObject } from "cloudflare:test";
import { and, eq, sql } from "drizzle-orm";
import { runsInProgress } from "../../src/db/queries/runs";
import { runTickets } from "../../src/db/schema";
import { ticketSyncStub } from "../../src/jobs/stubs";
import { db } from "../factories/tenants";
import { sandboxControl, sandboxDeliveries } from "../setup/sandbox";
import { waitFor } from "../setup/wait-for";

type Logged = { id: number; api: string; method: string; caller: string | null };

/** The sandbox's request log after `sinceId`. */
export async function callsSince(sinceId: number): Promise<Logged[]> {
  const res = await sandboxControl(`/requests?sinceId=${sinceId}&limit=50000`);
  return ((await res.json()) as { requests: Logged[] }).requests;
}
export const lastCallId = async () => (await callsSince(0)).at(-1)?.id ?? 0;

/** Tickets a run of the tenant handed to ticket-sync that are not done yet (its queue depth). */
export async function queuedTicketSyncs(tenantId: string): Promise<number> {
  const [row] = await db()
    .select({ n: sql<number>`count(*)` })
    .from(runTickets)
    .where(and(eq(runTickets.tenantId, tenantId), eq(runTickets.state, "queued")));
  return row?.n ?? 0;
}

/** Deliveries the sandbox has started and not finished (no status, no error yet). */
async function pendingDeliveries(): Promise<number> {
  let pending = 0;
  for (let cursor = 0; ; ) {
    const page = await sandboxDeliveries(cursor);
    if (page.length === 0) return pending;
    pending += page.filter((d) => d.status === null && d.error === null).length;
    cursor = page.at(-1)!.id;
  }
}

/** Whether this ticket's object holds a push event whose queued sync has not started. */
const pushPending = (tenantId: string, portalTicketId: number) =>
  runInDurableObject(ticketSyncStub(env, tenantId, portalTicketId), (_, state) => state.storage.kv.get<number>("pushPendingSince") !== undefined);

/**
 * Waits until everything a bench started for `tenantId` has finished: no run queued or
 * running, no ticket handed to ticket-sync and not done, no push sync of `pushTickets`
 * waiting, no sandbox delivery in flight, and no call to the sandbox for `quietMs` (a
 * ticket-sync message is consumed within the queue's 1 s batch timeout). A file that ends
 * earlier leaves its work running after its fetch routing is undone, and the pool fails
 * on the logs that arrive after it closed.
 */
export async function settle(tenantId: string, { pushTickets = [] as number[], quietMs = 3000, timeoutMs = 600_000 } = {}): Promise<void> {
  const busy = async () => {
    if ((await runsInProgress(db(), [tenantId])).length > 0) return "runs";
    if ((await queuedTicketSyncs(tenantId)) > 0) return "run tickets";
    for (const id of pushTickets) if (await pushPending(tenantId, id)) return "push syncs";
    if ((await pendingDeliveries()) > 0) return "deliveries";
    return undefined;
  };
  await waitFor(
    async () => {
      if ((await busy()) !== undefined) return undefined;
      const before = await lastCallId();
      await new Promise((r) => setTimeout(r, quietMs));
      return (await busy()) === undefined && (await lastCallId()) === before ? true : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `tenant ${tenantId}'s runs, ticket syncs and deliveries to finish` },
  );
}
