import { z } from "zod";

/** Form and API boundaries of accounts, users, tokens, tenants and admin tasks. */

export const MIN_PASSWORD_LENGTH = 12;

const email = z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.").max(254));
const name = (what: string) => z.string().trim().min(1, `Enter ${what}.`).max(100, `Keep ${what} under 100 characters.`);

/** The cross-field rules (not the email, not the old one) need the user: see `passwordProblems`. */
export const passwordChangeForm = z
  .object({
    current: z.string().min(1, "Enter your current password.").max(1024),
    password: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1024, "Use at most 1024 characters."),
    confirm: z.string().max(1024),
  })
  .refine((f) => f.password === f.confirm, { path: ["confirm"], message: "The two new passwords do not match." });
export type PasswordChangeForm = z.infer<typeof passwordChangeForm>;

/** Choosing a password through a one-time sign-in link (the link stands in for the current one). */
export const firstPasswordForm = z
  .object({
    password: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1024, "Use at most 1024 characters."),
    confirm: z.string().max(1024),
  })
  .refine((f) => f.password === f.confirm, { path: ["confirm"], message: "The two passwords do not match." });
export type FirstPasswordForm = z.infer<typeof firstPasswordForm>;

/** A portal ticket id as typed in a form or a URL. */
const portalTicketId = z.coerce
  .number({ error: "Enter the portal ticket number." })
  .int("Enter a whole ticket number.")
  .positive("Enter a ticket number above 0.")
  .max(2 ** 53 - 1);

export const resyncForm = z.object({ portalTicketId });

export const pauseForm = z.object({ paused: z.enum(["true", "false"], { error: "Choose pause or resume." }).transform((v) => v === "true") });

const tenantRole = z.enum(["tenant_admin", "tenant_viewer"], { error: "Choose admin or viewer." });

export const addUserForm = z.object({ email, name: name("a name"), role: tenantRole });
export type AddUserForm = z.infer<typeof addUserForm>;

export const roleForm = z.object({ role: tenantRole });

/** Expiry choices for a new token, in days; "never" keeps it until revoked. */
export const TOKEN_EXPIRY_DAYS = ["30", "90", "365"] as const;

export const tokenForm = z.object({
  name: name("a name for the token"),
  scope: z.enum(["read", "admin"], { error: "Choose read or admin." }),
  expiresInDays: z
    .enum([...TOKEN_EXPIRY_DAYS, "never"], { error: "Choose when the token expires." })
    .default("never")
    .transform((v) => (v === "never" ? null : Number(v))),
});
export type TokenForm = z.infer<typeof tokenForm>;

export const tenantForm = z.object({
  name: name("the tenant's name"),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "Use 1–48 lowercase letters, digits and dashes (not at the ends)."),
  adminEmail: email,
  adminName: name("the admin's name"),
});
export type TenantForm = z.infer<typeof tenantForm>;

/** API: POST /tickets/{portalTicketId}/resync takes no body; the id is the path. */
export const resyncParams = z.object({ portalTicketId });

/** At most this many tickets are flagged by one bulk resync; the answer says when more matched. */
export const BULK_RESYNC_LIMIT = 1000;

/** A bulk resync: tickets with a warning (any, or one code), in the error state, or listed by id. */
export const bulkResyncBody = z
  .strictObject({
    warning: z.union([z.literal("any"), z.string().regex(/^[a-z_]{1,50}$/, 'A warning code, e.g. cw_ticket_missing, or "any"')]).optional(),
    state: z.enum(["warning", "error"]).optional(),
    portalTicketIds: z.array(portalTicketId).min(1).max(BULK_RESYNC_LIMIT, `At most ${BULK_RESYNC_LIMIT} ids per request`).optional(),
  })
  .refine((b) => b.warning !== undefined || b.state !== undefined || b.portalTicketIds !== undefined, {
    message: 'Say which tickets: warning (a code or "any"), state (warning or error), or portalTicketIds',
  });
export type BulkResyncFilter = z.infer<typeof bulkResyncBody>;

const chooseTickets = { error: "Choose which tickets to resync." };
export const bulkResyncForm = z.object({ warning: z.union([z.literal("any"), z.string().regex(/^[a-z_]{1,50}$/, chooseTickets)], chooseTickets) });

export const bulkResyncResult = taskResultShape().extend({ flagged: z.number().int(), more: z.boolean() });
export const applyMappingsResult = taskResultShape().extend({ flagged: z.number().int() });

function taskResultShape() {
  return z.object({
    runId: z.string(),
    status: z.enum(["queued", "skipped"]),
    message: z.string(),
  });
}
export const taskResult = taskResultShape();

export const tenantStatus = z.object({
  /** "Setup incomplete: …" until both connections and Advanced Settings are complete; null after. */
  setupIncomplete: z.string().nullable(),
  paused: z.boolean(),
  needsAttention: z.boolean(),
  attentionReason: z.string().nullable(),
  attentionSince: z.string().nullable(),
  lastRun: z
    .object({
      id: z.string(),
      trigger: z.string(),
      status: z.string(),
      message: z.string().nullable(),
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
    })
    .nullable(),
});
export type TenantStatus = z.infer<typeof tenantStatus>;
