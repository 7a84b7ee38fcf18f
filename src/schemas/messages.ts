import { z } from "zod";

/**
 * Queue message bodies. Every message carries a `kind` and a version `v` so a consumer
 * can refuse what it does not understand instead of guessing.
 */
export const tenantSyncMessage = z.object({
  kind: z.literal("tenant-sync"),
  v: z.literal(1),
  tenantId: z.string().min(1),
  runId: z.string().min(1),
  /** Continuation of a run: which page of which source to read next. */
  page: z
    .object({
      source: z.enum(["resync", "portal", "connectwise"]),
      /** The source's own paging cursor (a portal cursor, a CW page number, a ticket id). */
      cursor: z.string().max(2048).nullable(),
      /** Newest change time seen so far in this listing: the next cursor once it completes. */
      highWater: z.string().max(64).nullable().default(null),
      /** Pages of this source read so far in this run (bounded by LISTING_MAX_PAGES). */
      pages: z.number().int().min(0).default(0),
    })
    .optional(),
});
export type TenantSyncMessage = z.infer<typeof tenantSyncMessage>;

export const ticketSyncMessage = z.object({
  kind: z.literal("ticket-sync"),
  v: z.literal(1),
  tenantId: z.string().min(1),
  /** null when the sync was not started by a run (webhook, callback). */
  runId: z.string().min(1).nullable(),
  portalTicketId: z.number().int().positive(),
  reason: z.enum(["portal_changed", "connectwise_changed", "resync", "webhook", "callback"]),
});
export type TicketSyncMessage = z.infer<typeof ticketSyncMessage>;

export const queueMessage = z.discriminatedUnion("kind", [tenantSyncMessage, ticketSyncMessage]);
export type QueueMessage = z.infer<typeof queueMessage>;
