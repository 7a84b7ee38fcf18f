import { DurableObject } from "cloudflare:workers";
import type { TicketStats } from "../db/queries/sync-state";
import { createLogger, errorFields } from "../lib/log";
import type { JobOutcome } from "../queues/outcome";
import { outcomeOfError } from "../queues/outcome";
import type { TicketSyncMessage } from "../schemas/messages";
import { syncTicket } from "../sync/sync-ticket";

/**
 * Objects per tenant. A ticket always lands in the same one, so all work on a ticket
 * happens in one place; the tenant's tickets share a few long-lived objects instead of
 * one object each. (One per ticket meant 10,000 live objects for a 10,000-ticket tick,
 * and local throughput fell from 36 to under 11 tickets/s.) A tenant's throughput is
 * bounded by its ConnectWise call cap long before four objects are busy.
 */
export const TICKET_SYNC_SHARDS = 4;

export function ticketSyncStub(env: Env, tenantId: string, portalTicketId: number) {
  return env.TICKET_SYNC.get(env.TICKET_SYNC.idFromName(`${tenantId}:${portalTicketId % TICKET_SYNC_SHARDS}`));
}

export type TicketSyncOutcome = JobOutcome & { stats?: TicketStats };

/**
 * Syncs portal tickets with their ConnectWise tickets. A Durable Object's input gate
 * opens during outbound fetches, so deliveries of one ticket are serialised explicitly:
 * each `sync` of a ticket waits for the one before it to finish, and two never interleave
 * their writes. Different tickets of the object run side by side.
 */
export class TicketSync extends DurableObject<Env> {
  private readonly tails = new Map<number, Promise<unknown>>();

  /** Returns an outcome (never throws across RPC) for the queue edge to act on. */
  sync(job: TicketSyncMessage): Promise<TicketSyncOutcome> {
    const id = job.portalTicketId;
    const next = (this.tails.get(id) ?? Promise.resolve()).then(() => this.process(job));
    const settled = next.catch(() => undefined);
    this.tails.set(id, settled);
    // Forget a ticket once its last delivery is done, so the map holds only tickets in flight.
    void settled.then(() => {
      if (this.tails.get(id) === settled) this.tails.delete(id);
    });
    return next;
  }

  private async process(job: TicketSyncMessage): Promise<TicketSyncOutcome> {
    const log = createLogger({ tenant: job.tenantId, run: job.runId ?? undefined, ticket: job.portalTicketId });
    const started = Date.now();
    try {
      const result = await syncTicket(this.env, job, log);
      return { kind: "done", stats: result.stats };
    } catch (err) {
      log.error("ticket.sync_failed", { ms: Date.now() - started, ...errorFields(err) });
      return outcomeOfError(err);
    }
  }
}
