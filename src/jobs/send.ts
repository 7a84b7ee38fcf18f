import { isPushReason, type TenantSyncMessage, type TicketSyncMessage } from "./messages";

/** Queues take at most 100 messages per sendBatch call. */
const SEND_BATCH_LIMIT = 100;

async function sendAll<T>(queue: Queue, bodies: T[], delaySeconds?: number): Promise<void> {
  for (let i = 0; i < bodies.length; i += SEND_BATCH_LIMIT) {
    const chunk = bodies.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body, contentType: "json" as const, delaySeconds }));
    await queue.sendBatch(chunk);
  }
}

/** The one typed way to produce queue messages. */
export const sendTenantSync = (env: Env, messages: TenantSyncMessage[], delaySeconds?: number) => sendAll(env.TENANT_SYNC_QUEUE, messages, delaySeconds);

/**
 * Push-triggered syncs go to their own queue (ticket-push), run syncs to ticket-sync: a
 * message's reason alone decides, so a deferral, a retry or a replay returns to the same one.
 */
export async function sendTicketSync(env: Env, messages: TicketSyncMessage[], delaySeconds?: number): Promise<void> {
  const push = messages.filter((m) => isPushReason(m.reason));
  const runs = messages.filter((m) => !isPushReason(m.reason));
  if (push.length) await sendAll(env.TICKET_PUSH_QUEUE, push, delaySeconds);
  if (runs.length) await sendAll(env.TICKET_SYNC_QUEUE, runs, delaySeconds);
}
