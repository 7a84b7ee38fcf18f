import { z } from "@hono/zod-openapi";
import { createSelectSchema } from "drizzle-zod";
import { commentLinks, failures, runTickets, syncRuns, ticketEvents, ticketLinks } from "../../db/schema";

/**
 * What the monitoring API answers. Rows returned as they are come from the tables
 * (drizzle-zod); JSON columns get their real shape instead of "any JSON".
 */
const warning = z.object({ code: z.string(), message: z.string() });
const ticketLinkRow = createSelectSchema(ticketLinks, { warnings: z.array(warning), portalSnapshot: z.record(z.string(), z.unknown()).nullable() });
const runRow = createSelectSchema(syncRuns);

const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next (older) page; null on the last page" }),
    prevCursor: z.string().nullable().openapi({ description: "Pass as `before` for the previous (newer) page; null on the first page" }),
  });

export const runsPageResponse = pageOf(runRow).openapi("RunsPage");

export const runDetailResponse = z
  .object({
    run: runRow.extend({
      tickets: z.object({ queued: z.number().int(), done: z.number().int(), failed: z.number().int() }),
      durationMs: z.number(),
      live: z.boolean(),
    }),
    tickets: z.array(
      createSelectSchema(runTickets)
        .pick({ portalTicketId: true, source: true, state: true })
        .extend({ summary: z.string().nullable(), linkState: ticketLinkRow.shape.state.nullable(), cwTicketId: z.number().int().nullable() }),
    ),
    nextAfter: z.number().int().nullable().openapi({ description: "Pass as `after` for the run's next tickets; null on the last page" }),
  })
  .openapi("RunDetail");

export const ticketsPageResponse = pageOf(
  ticketLinkRow.pick({ id: true, portalTicketId: true, cwTicketId: true, summary: true, state: true, warnings: true, lastSyncedAt: true, updatedAt: true }),
).openapi("TicketsPage");

export const ticketTimelineResponse = z
  .object({
    link: ticketLinkRow.omit({ syncedFields: true }),
    events: z.array(createSelectSchema(ticketEvents)),
    comments: z.array(createSelectSchema(commentLinks)),
    portalUrl: z.string().nullable(),
    cwUrl: z.string().nullable(),
  })
  .openapi("TicketTimeline");

/** A failure without its stored body: what the message is about, in plain words. */
const failureItem = createSelectSchema(failures)
  .omit({ body: true })
  .extend({ message: z.object({ kind: z.string(), portalTicketId: z.number().int().nullable(), parseable: z.boolean() }) });
export const failuresPageResponse = pageOf(failureItem).openapi("FailuresPage");
export const failureResponse = failureItem.openapi("Failure");

export const replayResponse = z
  .object({
    replayed: z.array(z.number().int()),
    unparseable: z.array(z.number().int()),
    deferred: z.array(z.number().int()),
    summary: z.string(),
  })
  .openapi("ReplayResult");
