import { DurableObject } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { createDb, nowIso } from "../db/client";
import { getTicketLink } from "../db/queries/ticket-links";
import { ticketEvents, ticketLinks } from "../db/schema";
import { createLogger, errorFields } from "../lib/log";
import type { JobOutcome } from "../queues/outcome";
import { outcomeOfError } from "../queues/outcome";
import type { TicketSyncMessage } from "../schemas/messages";

/** One object per tenant + portal ticket, so all work on a ticket happens in one place. */
export function ticketSyncStub(env: Env, tenantId: string, portalTicketId: number) {
  return env.TICKET_SYNC.get(env.TICKET_SYNC.idFromName(`${tenantId}:${portalTicketId}`));
}

/**
 * Syncs one portal ticket with its ConnectWise ticket. A Durable Object's input gate
 * opens during outbound fetches, so deliveries are serialised explicitly: each `sync`
 * call waits for the one before it to finish, and two never interleave their writes.
 */
export class TicketSync extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();

  /** Returns an outcome (never throws across RPC) for the queue edge to act on. */
  sync(job: TicketSyncMessage): Promise<JobOutcome> {
    const next = this.tail.then(() => this.process(job));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async process(job: TicketSyncMessage): Promise<JobOutcome> {
    const log = createLogger({ tenant: job.tenantId, run: job.runId ?? undefined, ticket: job.portalTicketId });
    const started = Date.now();
    try {
      const db = createDb(this.env.DB);
      const link = await getTicketLink(db, job.tenantId, job.portalTicketId);
      const at = nowIso();
      await db.batch([
        db.insert(ticketEvents).values({
          tenantId: job.tenantId,
          portalTicketId: job.portalTicketId,
          cwTicketId: link?.cwTicketId ?? null,
          runId: job.runId,
          action: "sync.checked",
          detail: `reason: ${job.reason}`,
          at,
        }),
        db
          .update(ticketLinks)
          .set({ lastSyncedAt: at, updatedAt: at })
          .where(and(eq(ticketLinks.tenantId, job.tenantId), eq(ticketLinks.portalTicketId, job.portalTicketId))),
      ]);
      log.info("ticket.synced", { cwTicket: link?.cwTicketId ?? undefined, ms: Date.now() - started });
      return { kind: "done" };
    } catch (err) {
      log.error("ticket.sync_failed", { ms: Date.now() - started, ...errorFields(err) });
      return outcomeOfError(err);
    }
  }
}
