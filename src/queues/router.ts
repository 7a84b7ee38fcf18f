import { createLogger } from "../lib/log";
import { consumeDeadLetters } from "./dead-letter";
import { consumeTenantSync } from "./tenant-sync";
import { consumeTicketSync } from "./ticket-sync";

/** Routes a batch by queue name; an unknown queue fails loudly rather than acking. */
export async function routeQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const logger = createLogger({ queue: batch.queue });
  switch (batch.queue) {
    case "tenant-sync":
      return consumeTenantSync(batch, env, logger);
    case "ticket-sync":
    case "ticket-push":
      return consumeTicketSync(batch, env, logger);
    case "tenant-sync-dlq":
    case "ticket-sync-dlq":
    case "ticket-push-dlq":
      return consumeDeadLetters(batch, env, logger);
    default:
      logger.error("queue.unknown", { count: batch.messages.length });
      throw new Error(`No consumer for queue "${batch.queue}"`);
  }
}
