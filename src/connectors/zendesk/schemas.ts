import { z } from "zod";
import { PORTAL_PRIORITIES, PORTAL_STATUSES } from "../../domain/model";

/**
 * Zendesk Support API v2 wire shapes (Requests API, end-user view). Objects are loose:
 * Zendesk adds fields over time and we only read what the sync needs.
 */
const id = z.number().int().positive();
const text = z
  .string()
  .nullish()
  .transform((v) => v ?? "");

/** Custom field values are typed by the field: text, number, checkbox, multiselect or null. */
const customFieldSchema = z.looseObject({
  id: z.number().int(),
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]).optional(),
});

const requestSchema = z.looseObject({
  id,
  subject: text,
  description: text,
  status: z.enum(PORTAL_STATUSES),
  priority: z
    .enum(PORTAL_PRIORITIES)
    .nullish()
    .transform((v) => v ?? null),
  custom_fields: z
    .array(customFieldSchema)
    .nullish()
    .transform((v) => v ?? []),
  // Who asked, and for which organisation: what decides whether the request is the tenant's.
  requester_id: id.nullish().transform((v) => v ?? null),
  organization_id: id.nullish().transform((v) => v ?? null),
  created_at: z.string().min(1),
  updated_at: z.string().min(1),
});
export type WireRequest = z.infer<typeof requestSchema>;

const commentSchema = z.looseObject({
  id,
  body: z.string().nullish(),
  plain_body: z.string().nullish(),
  author_id: z.number().int(),
  public: z
    .boolean()
    .nullish()
    .transform((v) => v ?? true),
  created_at: z.string().min(1),
  attachments: z
    .array(z.unknown())
    .nullish()
    .transform((v) => v ?? []),
});
export type WireComment = z.infer<typeof commentSchema>;

/** Cursor pagination (`meta`) or offset pagination (`next_page`); either may be present. */
const paging = {
  meta: z.looseObject({ has_more: z.boolean(), after_cursor: z.string().nullish() }).nullish(),
  next_page: z.string().nullish(),
};

export const requestPageSchema = z.looseObject({ requests: z.array(requestSchema), ...paging });
export const requestEnvelopeSchema = z.looseObject({ request: requestSchema });
export const commentPageSchema = z.looseObject({ comments: z.array(commentSchema), ...paging });
/** `role` is "end-user", "agent" or "admin" (custom agent roles still say "agent"). */
export const userEnvelopeSchema = z.looseObject({
  user: z.looseObject({ id, email: z.string(), role: z.string().min(1), organization_id: id.nullish().transform((v) => v ?? null) }),
});

/** `POST /oauth/tokens`; `expires_in` is absent for legacy tokens that never expire. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).nullish(),
  expires_in: z.number().int().nonnegative().nullish(),
});

/**
 * Zendesk error bodies come in several shapes: `{error, description, details}`,
 * `{error: {title, message}}` (403), `{errors: [{code, title, detail}]}` (newer APIs) and
 * OAuth's `{error, error_description}`.
 */
export const errorBodySchema = z.looseObject({
  error: z.union([z.string(), z.looseObject({ title: z.string().nullish(), message: z.string().nullish() })]).nullish(),
  description: z.string().nullish(),
  error_description: z.string().nullish(),
  details: z.record(z.string(), z.array(z.looseObject({ description: z.string().nullish(), error: z.string().nullish() }))).nullish(),
  errors: z.array(z.looseObject({ code: z.string().nullish(), title: z.string().nullish(), detail: z.string().nullish() })).nullish(),
});

/** One ticket of the incremental export (Tickets API shape; only what routing needs). */
const exportedTicketSchema = z.looseObject({
  id,
  requester_id: id.nullish().transform((v) => v ?? null),
  organization_id: id.nullish().transform((v) => v ?? null),
  updated_at: z.string().min(1),
});
/** `GET /api/v2/incremental/tickets/cursor.json`. */
export const exportPageSchema = z.looseObject({
  tickets: z.array(exportedTicketSchema),
  after_cursor: z
    .string()
    .min(1)
    .nullish()
    .transform((v) => v ?? null),
  end_of_stream: z.boolean(),
});
