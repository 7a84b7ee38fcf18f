import { z } from "zod";

/** What ConnectWise POSTs to a callback URL (DESIGN §4; `Entity` is the record as a JSON string). */
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
export type ConnectWiseCallback = z.infer<typeof connectwiseCallback>;

/** The fields of a callback's ticket entity psa-sync uses. */
export const callbackTicketEntity = z.object({ externalXRef: z.string().nullish() }).loose();

/** A Zendesk event-subscription webhook envelope (only what routing needs). */
export const portalWebhookEvent = z.object({
  id: z.string().min(1).max(100),
  type: z.string().max(200),
  subject: z.string().max(200).optional(),
  detail: z.object({ id: z.coerce.string().max(30) }).loose().optional(),
});
export type PortalWebhookEvent = z.infer<typeof portalWebhookEvent>;
