import { DurableObject } from "cloudflare:workers";
import type { TicketStats } from "../db/queries/sync-state";
import { createLogger, errorFields } from "../lib/log";
import { outcomeOfError, type JobOutcome } from "../jobs/outcome";
import type { TicketSyncMessage } from "../jobs/messages";
import { syncTicket } from "../sync/sync-ticket";
import { mustQueue } from "../webhooks/coalesce";

export type TicketSyncOutcome = JobOutcome & { stats?: TicketStats };

const PENDING_KEY = "pushPendingSince";

/**
 * Syncs one portal ticket with its ConnectWise ticket. A Durable Object's input gate
 * opens during outbound fetches, so deliveries are serialised explicitly: each `sync`
 * call waits for the one before it to finish, and two never interleave their writes.
 */
export class TicketSync extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Coalesces push events: true when the caller must queue a sync (and the marker is now
   * set at `at`), false when a queued sync has not started yet, so it will read this change.
   */
  claimPush(at: number): boolean {
    if (!mustQueue(this.ctx.storage.kv.get<number>(PENDING_KEY), at)) return false;
    this.ctx.storage.kv.put(PENDING_KEY, at);
    return true;
  }

  /** The message for the marker set at `at` was not sent: the next event must queue. */
  releasePush(at: number): void {
    if (this.ctx.storage.kv.get<number>(PENDING_KEY) === at) this.ctx.storage.kv.delete(PENDING_KEY);
  }

  /** Returns an outcome (never throws across RPC) for the queue edge to act on. */
  sync(job: TicketSyncMessage): Promise<TicketSyncOutcome> {
    const next = this.tail.then(() => this.process(job));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async process(job: TicketSyncMessage): Promise<TicketSyncOutcome> {
    // Cleared before anything is read: every event coalesced so far is of a change this
    // sync will see; any event from now on queues a sync of its own.
    this.ctx.storage.kv.delete(PENDING_KEY);
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
