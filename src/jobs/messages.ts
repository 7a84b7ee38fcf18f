import { z } from "zod";
import { PORTAL_PRIORITIES, PORTAL_STATUSES, type CwTicket, type PortalTicket } from "../domain/model";

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
      /** This run's portal listing completed uncapped: what it did not report is unchanged there. */
      portalListed: z.boolean().optional(),
    })
    .optional(),
});
export type TenantSyncMessage = z.infer<typeof tenantSyncMessage>;

const ref = z.object({ id: z.number().int(), name: z.string() });

/** A listing's copy of a portal request, so the ticket sync need not read it again. */
const portalTicketSnapshot = z.object({
  id: z.number().int().positive(),
  subject: z.string(),
  description: z.string(),
  status: z.enum(PORTAL_STATUSES),
  priority: z.enum(PORTAL_PRIORITIES).nullable(),
  clusterId: z.string().nullable(),
  requesterId: z.number().int().nullable(),
  organizationId: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<PortalTicket>;

/** A listing's copy of a ConnectWise ticket. */
const cwTicketSnapshot = z.object({
  id: z.number().int().positive(),
  summary: z.string(),
  board: ref.nullable(),
  status: ref.nullable(),
  priority: ref.nullable(),
  company: ref.nullable(),
  externalXRef: z.string().nullable(),
  closedFlag: z.boolean(),
  mergedParentTicketId: z.number().int().nullable(),
  lastUpdated: z.string(),
  enteredBy: z.string().nullable(),
}) satisfies z.ZodType<CwTicket>;

/** Snapshots larger than this (serialised) are left out of a message: the sync reads instead. */
export const SNAPSHOT_MAX_CHARS = { portal: 1200, cw: 800 } as const;

/** Reasons of a sync started by a push (a portal hook, the vendor feed, a ConnectWise callback): served ahead of runs' backlogs. */
const PUSH_REASONS: ReadonlySet<string> = new Set(["webhook", "callback"]);
export const isPushReason = (reason: string | undefined) => reason !== undefined && PUSH_REASONS.has(reason);

export const ticketSyncMessage = z.object({
  kind: z.literal("ticket-sync"),
  v: z.literal(1),
  tenantId: z.string().min(1),
  /** null when the sync was not started by a run (webhook, callback). */
  runId: z.string().min(1).nullable(),
  portalTicketId: z.number().int().positive(),
  reason: z.enum(["portal_changed", "connectwise_changed", "resync", "webhook", "callback"]),
  /**
   * What the run's listing saw (optional: other producers send none). Used only when not
   * older than the version already synced; `observedAt` (ms) is when the listing read it.
   */
  portal: portalTicketSnapshot.optional(),
  cw: cwTicketSnapshot.optional(),
  observedAt: z.number().int().optional(),
  /** The run's portal listing did not report this ticket: its portal side is unchanged. */
  portalUnchanged: z.boolean().optional(),
});
export type TicketSyncMessage = z.infer<typeof ticketSyncMessage>;

export const queueMessage = z.discriminatedUnion("kind", [tenantSyncMessage, ticketSyncMessage]);
