import { z } from "zod";

/**
 * ConnectWise Manage REST API 3.0 wire shapes. Loose objects: the pinned version can still
 * gain fields, and CW leaves null fields out of responses.
 */
const id = z.number().int().positive();
const info = z.looseObject({ lastUpdated: z.string().nullish(), dateEntered: z.string().nullish(), enteredBy: z.string().nullish() }).nullish();

/** A reference object `{id, name|identifier}`; its `id` is nullable in the spec. */
const refSchema = z.looseObject({ id: z.number().int().nullish(), name: z.string().nullish(), identifier: z.string().nullish() }).nullish();
export type WireRef = z.infer<typeof refSchema>;

export const ticketSchema = z.looseObject({
  id,
  summary: z.string().nullish(),
  board: refSchema,
  status: refSchema,
  priority: refSchema,
  company: refSchema,
  externalXRef: z.string().nullish(),
  closedFlag: z.boolean().nullish(),
  mergedParentTicket: z.looseObject({ id: z.number().int().nullish() }).nullish(),
  _info: info,
});
export type WireTicket = z.infer<typeof ticketSchema>;

export const noteSchema = z.looseObject({
  id,
  text: z.string().nullish(),
  detailDescriptionFlag: z.boolean().nullish(),
  internalAnalysisFlag: z.boolean().nullish(),
  resolutionFlag: z.boolean().nullish(),
  createdBy: z.string().nullish(),
  dateCreated: z.string().nullish(),
  _info: info,
});
export type WireNote = z.infer<typeof noteSchema>;

export const callbackSchema = z.looseObject({
  id,
  url: z.string(),
  type: z.string().nullish(),
  level: z.string().nullish(),
  objectId: z.number().int().nullish(),
  inactiveFlag: z.boolean().nullish(),
});
export type WireCallback = z.infer<typeof callbackSchema>;

export const configurationSchema = z.looseObject({ id, name: z.string().nullish(), company: refSchema });
export type WireConfiguration = z.infer<typeof configurationSchema>;

/** `POST /service/tickets/{id}/configurations` answers with a ConfigurationReference. */
export const configurationRefSchema = z.looseObject({ id: z.number().int().nullish(), deviceIdentifier: z.string().nullish() });

export const namedSchema = z.looseObject({ id, name: z.string().nullish(), identifier: z.string().nullish() });
export const statusSchema = z.looseObject({ id, name: z.string().nullish(), closedStatus: z.boolean().nullish(), inactive: z.boolean().nullish() });

/** `GET /login/companyinfo/{companyId}` (PascalCase, unlike the REST API). */
export const companyInfoSchema = z.looseObject({
  Codebase: z.string().min(1),
  SiteUrl: z.string().nullish(),
  IsCloud: z.union([z.boolean(), z.string()]).nullish(),
});

/** `{code, message, errors[]}`; the guide's 429 example uses `error` instead of `code`. */
export const errorBodySchema = z.looseObject({
  code: z.string().nullish(),
  error: z.string().nullish(),
  message: z.string().nullish(),
  errors: z.array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish(), field: z.string().nullish() })).nullish(),
});
