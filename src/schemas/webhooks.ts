import { z } from "zod";

/** What ConnectWise POSTs to a callback URL (`Entity` is the record as a JSON string). */
export const connectwiseCallback = z.object({
  MessageId: z.string().min(1).max(100),
  Action: z.enum(["added", "updated", "deleted"]),
  Type: z.string().max(50),
  /** The ConnectWise company the callback is from (its login company id, e.g. "acme"). */
  CompanyId: z.string().min(1).max(100),
  ID: z.coerce.number().int().positive(),
  MemberId: z.string().max(100).nullish(),
  Entity: z.string().max(1_000_000).nullish(),
  Metadata: z.object({ key_url: z.string().max(2048) }),
});

/** The fields of a callback's ticket entity psa-sync uses. */
export type ConnectwiseCallback = z.infer<typeof connectwiseCallback>;

export const callbackTicketEntity = z
  .object({
    externalXRef: z.string().nullish(),
    /** `lastUpdated`: the ticket's version after the change (`updatedBy` is not relied on: MemberId is the change's author). */
    _info: z
      .object({ lastUpdated: z.string().max(40).nullish() })
      .loose()
      .nullish(),
  })
  .loose();

/** Zendesk sends ids as strings in event envelopes; anything unreadable is treated as absent. */
const eventId = z.coerce.number().int().positive().safe().nullish().catch(null);

/**
 * A Zendesk event-subscription webhook envelope (only what routing and echo recognition
 * need). The echo fields fall back to null when malformed, so such an event still queues.
 */
export const portalWebhookEvent = z.object({
  id: z.string().min(1).max(100),
  type: z.string().max(200),
  subject: z.string().max(200).optional(),
  detail: z
    .object({
      id: z.coerce.string().max(30),
      updated_at: z.string().max(40).nullish().catch(null),
      // Whose request it is: how the vendor's account webhook finds the tenant.
      requester_id: eventId,
      organization_id: eventId,
    })
    .loose()
    .optional(),
  event: z
    .object({
      comment: z
        .object({ id: eventId, body: z.string().nullish().catch(null), author: z.object({ id: eventId }).loose().nullish().catch(null) })
        .loose()
        .nullish()
        .catch(null),
    })
    .loose()
    .nullish()
    .catch(null),
});
export type PortalWebhookEvent = z.infer<typeof portalWebhookEvent>;
