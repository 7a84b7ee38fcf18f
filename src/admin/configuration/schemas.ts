import { z } from "zod";
import { MAPPED_PRIORITIES, MAPPED_STATUSES } from "../../domain/setup";

/**
 * Configuration input: one schema per thing, used by both the admin forms (strings,
 * hence the coercions) and the /api/v1 JSON bodies.
 */
export const PRIORITY_KEYS = MAPPED_PRIORITIES;
export type PriorityKey = (typeof PRIORITY_KEYS)[number];
export const STATUS_KEYS = MAPPED_STATUSES;
export const MATCH_FIELDS = ["serialNumber", "name", "tagNumber", "deviceIdentifier"] as const;
export const CLOSED_TICKET_ACTIVITY = ["reopen", "warn"] as const;
export const DEFAULT_CLUSTER_FIELD_ID = 360001234567;

/**
 * A ConnectWise site: http(s) URL without a trailing slash, query or fragment (it is joined
 * with API paths). Where it may point is the egress policy's call, checked when it is saved.
 */
const siteUrl = z
  .string()
  .trim()
  .min(1, "Enter the address, e.g. https://api-na.myconnectwise.net")
  .max(300)
  .pipe(z.url({ protocol: /^https?$/, error: "Enter a full https address, e.g. https://api-na.myconnectwise.net" }))
  .refine((u) => !new URL(u).search && !new URL(u).hash, "Leave out any ?query or #fragment")
  .transform((u) => u.replace(/\/+$/, ""));

const optionalInt = (what: string) =>
  z.preprocess(
    (v) => (v === "" || v === null ? undefined : v),
    z.coerce
      .number({ error: `${what} must be a number` })
      .int(`${what} must be a whole number`)
      .positive(`${what} must be positive`)
      .optional(),
  );
const choice = (message: string) =>
  z.preprocess((v) => (v === "" || v === null ? undefined : v), z.coerce.number({ error: message }).int(message).positive(message));
const text = (label: string, max = 200) =>
  z
    .string({ error: `Enter the ${label}` })
    .trim()
    .min(1, `Enter the ${label}`)
    .max(max, `The ${label} is too long`);

/** Starts "Generate Token" (OAuth): which field holds the ClusterID (the portal's address is the deployment's). */
export const portalOAuthStart = z.object({
  clusterFieldId: optionalInt("The ClusterID field id"),
});

/** Connects with an API token instead (`{email}/token:{token}` Basic auth). */
export const portalTokenInput = z.object({
  clusterFieldId: optionalInt("The ClusterID field id"),
  email: z.string({ error: "Enter the portal email" }).trim().toLowerCase().pipe(z.email("Enter the portal user's email").max(254)),
  apiToken: text("API token", 500),
});

/**
 * API PUT /connections/portal: new API-token credentials, or only the ClusterID field.
 * Strict: a `baseUrl` (the portal's address is the deployment's) is refused, not ignored.
 */
export const portalPutBody = z
  .strictObject({
    clusterFieldId: optionalInt("clusterFieldId"),
    email: z.string().trim().toLowerCase().pipe(z.email().max(254)).optional(),
    apiToken: z.string().trim().min(1).max(500).optional(),
  })
  .refine((b) => (b.email === undefined) === (b.apiToken === undefined), { message: "Send email and apiToken together (or neither)", path: ["apiToken"] });
export type PortalPutBody = z.infer<typeof portalPutBody>;

/** ConnectWise API member credentials; a blank private key keeps the stored one. */
export const connectwiseInput = z.object({
  site: siteUrl,
  companyId: text("company id", 100),
  publicKey: text("public key", 200),
  privateKey: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.string().trim().min(1).max(200).optional()),
  clientId: text("clientId", 200),
});
export type ConnectWiseInput = z.infer<typeof connectwiseInput>;

/** syncFrom as a date (yyyy-mm-dd) or full ISO time; stored as ISO. */
const syncFrom = z.preprocess(
  (v) => (v === "" || v === null ? undefined : v),
  z
    .string()
    .trim()
    .refine((s) => !Number.isNaN(Date.parse(s)), "Enter a date like 2025-01-31")
    .transform((s) => new Date(s).toISOString())
    .optional(),
);

export const settingsInput = z.object({
  boardId: choice("Choose the ConnectWise board"),
  defaultCompanyId: choice("Choose the default (catch-all) company"),
  matchField: z.enum(MATCH_FIELDS, { error: "Choose the configuration field to match the ClusterID against" }).default("serialNumber"),
  syncFrom,
  closedTicketActivity: z.enum(CLOSED_TICKET_ACTIVITY, { error: "Choose reopen or warn for activity on tickets closed in ConnectWise" }).default("reopen"),
  /** Also sync requests of the connected user's portal organisation (a form checkbox sends "on"). */
  syncOrganisation: z
    .preprocess(
      (v) => (v === "on" || v === "true" ? true : v === undefined || v === "" || v === "false" ? false : v),
      z.boolean({ error: "syncOrganisation must be true or false" }),
    )
    .default(false),
});
export type SettingsInput = z.infer<typeof settingsInput>;

const priorityShape = Object.fromEntries(PRIORITY_KEYS.map((k) => [k, choice(`Map portal priority "${k}" to a ConnectWise priority`)])) as Record<
  PriorityKey,
  ReturnType<typeof choice>
>;
const statusShape = Object.fromEntries(STATUS_KEYS.map((k) => [k, choice(`Map portal status "${k}" to a status of the board`)])) as Record<
  (typeof STATUS_KEYS)[number],
  ReturnType<typeof choice>
>;

export const mappingsInput = z.object({
  priorities: z.object(priorityShape, { error: "Send priorities: { low, normal, high, urgent, none }" }),
  statuses: z.object(statusShape, { error: "Send statuses: { new, open, pending, hold, solved, closed }" }),
});
export type MappingsInput = z.infer<typeof mappingsInput>;

/** The Advanced Settings form: settings and both mapping tables in one save. */
const advancedSettingsInput = settingsInput.extend(mappingsInput.shape);

/** Flat form fields (`priority.low`, `status.new`) → the nested shape the schemas take. */
function advancedSettingsFromForm(form: Record<string, unknown>): Record<string, unknown> {
  return {
    boardId: form.boardId,
    defaultCompanyId: form.defaultCompanyId,
    matchField: form.matchField,
    syncFrom: form.syncFrom,
    closedTicketActivity: form.closedTicketActivity,
    syncOrganisation: form.syncOrganisation,
    priorities: Object.fromEntries(PRIORITY_KEYS.map((k) => [k, form[`priority.${k}`]])),
    statuses: Object.fromEntries(STATUS_KEYS.map((k) => [k, form[`status.${k}`]])),
  };
}

/** The Advanced Settings form as posted (flat fields) → the nested, validated shape. */
export const advancedSettingsForm = z.preprocess((form) => advancedSettingsFromForm(form as Record<string, unknown>), advancedSettingsInput);

export const connectionTestInput = z.object({ testTicket: z.boolean().default(false) }).default({ testTicket: false });
