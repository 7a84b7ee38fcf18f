import type { TenantSyncMessage, TicketSyncMessage } from "../schemas/messages";

/** Queues take at most 100 messages per sendBatch call. */
const SEND_BATCH_LIMIT = 100;

async function sendAll<T>(queue: Queue, bodies: T[], delaySeconds?: number): Promise<void> {
  for (let i = 0; i < bodies.length; i += SEND_BATCH_LIMIT) {
    const chunk = bodies.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body, contentType: "json" as const, delaySeconds }));
    await queue.sendBatch(chunk);
  }
}

/** The one typed way to produce queue messages. */
export const sendTenantSync = (env: Env, messages: TenantSyncMessage[], delaySeconds?: number) =>
  sendAll(env.TENANT_SYNC_QUEUE, messages, delaySeconds);

export const sendTicketSync = (env: Env, messages: TicketSyncMessage[], delaySeconds?: number) =>
  sendAll(env.TICKET_SYNC_QUEUE, messages, delaySeconds);
