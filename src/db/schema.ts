import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { PortalTicket } from "../domain/model";

/** The owning tenant: every tenant-scoped table starts with it. */
const tenantRef = () =>
  text()
    .notNull()
    .references(() => tenants.id);

/** ISO-8601 UTC timestamps as text: sortable, readable in `wrangler d1 execute`. */
const createdAt = () => text().notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

export const tenants = sqliteTable(
  "tenants",
  {
    id: text().primaryKey(),
    name: text().notNull(),
    slug: text().notNull(),
    /** active | disabled (by an operator) */
    status: text({ enum: ["active", "disabled"] })
      .notNull()
      .default("active"),
    /** Paused by the tenant admin: no scheduled runs, webhooks are queued but not synced. */
    paused: integer({ mode: "boolean" }).notNull().default(false),
    /** Unguessable id used in webhook URLs, so tenant ids never leave the platform. */
    hookId: text().notNull(),
    /** Last portal `updated_at` fully handed to ticket-sync (ISO). */
    portalCursor: text(),
    /** Last ConnectWise `lastUpdated` fully handed to ticket-sync (ISO). */
    cwCursor: text(),
    alertWebhookUrl: text(),
    /** An on-premises ConnectWise host (e.g. cw.example-msp.com) an operator approved for this tenant; cloud hosts need no approval. */
    cwApprovedHost: text(),
    /** Why syncing is stuck (e.g. credentials rejected) and what to do; null when healthy. */
    attentionReason: text(),
    attentionSince: text(),
    /** Scheduled runs skip the tenant until then, so rejected credentials are not hammered. */
    probeAfter: text(),
    /** When the current problem was announced to the alert webhook (once per problem). */
    attentionAnnouncedAt: text(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
  },
  (t) => [uniqueIndex("tenants_slug_uq").on(t.slug), uniqueIndex("tenants_hook_id_uq").on(t.hookId), index("tenants_status_idx").on(t.status, t.paused)],
);

export const users = sqliteTable(
  "users",
  {
    id: text().primaryKey(),
    email: text().notNull(),
    name: text().notNull(),
    passwordHash: text().notNull(),
    role: text({ enum: ["operator", "tenant_admin", "tenant_viewer"] }).notNull(),
    /** null for operators */
    tenantId: text().references(() => tenants.id),
    mustChangePassword: integer({ mode: "boolean" }).notNull().default(false),
    failedSignIns: integer().notNull().default(0),
    lockedUntil: text(),
    disabled: integer({ mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_uq").on(t.email), index("users_tenant_idx").on(t.tenantId)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the opaque cookie token; the token itself is never stored. */
    tokenHash: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id),
    csrfToken: text().notNull(),
    createdAt: createdAt(),
    lastSeenAt: text().notNull(),
    /** Absolute expiry (ISO); idle expiry is derived from lastSeenAt. */
    expiresAt: text().notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** One-time first-sign-in links (instead of a reusable temporary password). */
export const signInLinks = sqliteTable(
  "sign_in_links",
  {
    /** SHA-256 of the token in the link; the token itself is never stored. */
    tokenHash: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id),
    expiresAt: text().notNull(),
    usedAt: text(),
    createdAt: createdAt(),
  },
  (t) => [index("sign_in_links_user_idx").on(t.userId)],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text().primaryKey(),
    tenantId: tenantRef(),
    name: text().notNull(),
    tokenHash: text().notNull(),
    scope: text({ enum: ["read", "admin"] }).notNull(),
    createdBy: text().references(() => users.id),
    createdAt: createdAt(),
    lastUsedAt: text(),
    revokedAt: text(),
    /** Optional expiry (ISO); null: until revoked. */
    expiresAt: text(),
  },
  (t) => [uniqueIndex("api_tokens_hash_uq").on(t.tokenHash), index("api_tokens_tenant_idx").on(t.tenantId)],
);

export const portalConnections = sqliteTable("portal_connections", {
  tenantId: text()
    .primaryKey()
    .references(() => tenants.id),
  authMode: text({ enum: ["oauth", "api_token"] }).notNull(),
  /** The portal end user the provider signed in as. */
  email: text(),
  /** AES-GCM envelope of { accessToken, refreshToken } or { apiToken }. */
  secretsCiphertext: text().notNull(),
  accessTokenExpiresAt: text(),
  /** Portal custom field id that holds the ClusterID. */
  clusterFieldId: integer(),
  /** The portal user psa-sync acts as (from /users/me), to recognise its own comments. */
  portalUserId: integer(),
  /** That user's organisation (from /users/me), for tenants that sync their organisation's requests. */
  portalOrganizationId: integer(),
  /** AES-GCM envelope of the portal webhook's signing secret (push sync). */
  webhookSecretCiphertext: text(),
  /** When a run last asked /users/me (checked at most hourly; null: at the next run). */
  identityCheckedAt: text(),
  status: text({ enum: ["connected", "needs_attention"] })
    .notNull()
    .default("connected"),
  statusReason: text(),
  updatedAt: createdAt(),
});

export const connectwiseConnections = sqliteTable("connectwise_connections", {
  tenantId: text()
    .primaryKey()
    .references(() => tenants.id),
  /** e.g. https://na.myconnectwise.net (no trailing slash) */
  site: text().notNull(),
  companyId: text().notNull(),
  /** From /login/companyinfo, e.g. "v4_6_release/" */
  codebase: text(),
  publicKey: text().notNull(),
  clientId: text().notNull(),
  /** AES-GCM envelope of { privateKey }. */
  secretsCiphertext: text().notNull(),
  status: text({ enum: ["connected", "needs_attention"] })
    .notNull()
    .default("connected"),
  statusReason: text(),
  /** The /system/callbacks entry psa-sync registered (push sync). */
  callbackId: integer(),
  /** The API member's identifier (from `_info.enteredBy` of a ticket we wrote): callbacks it caused are our own. */
  apiMemberIdentifier: text(),
  updatedAt: createdAt(),
});

/** Webhook and callback deliveries already accepted: a redelivery is recognised by its id. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    tenantId: tenantRef(),
    source: text({ enum: ["portal", "connectwise"] }).notNull(),
    /** Zendesk event id or ConnectWise MessageId. */
    deliveryId: text().notNull(),
    receivedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.source, t.deliveryId] }), index("webhook_deliveries_received_idx").on(t.receivedAt)],
);

export const tenantSettings = sqliteTable("tenant_settings", {
  tenantId: text()
    .primaryKey()
    .references(() => tenants.id),
  boardId: integer(),
  boardName: text(),
  defaultCompanyId: integer(),
  defaultCompanyName: text(),
  /** Which /company/configurations field the ClusterID is matched against. */
  matchField: text({ enum: ["serialNumber", "name", "tagNumber", "deviceIdentifier"] })
    .notNull()
    .default("serialNumber"),
  /** First import only takes portal requests updated since this date (ISO). */
  syncFrom: text(),
  /** New portal activity on a ticket closed in ConnectWise: reopen it (default), or leave it closed and warn. */
  closedTicketActivity: text({ enum: ["reopen", "warn"] })
    .notNull()
    .default("reopen"),
  commentsPublic: integer({ mode: "boolean" }).notNull().default(false),
  /** Also sync requests of the connected portal user's organisation (default: only the user's own). */
  syncOrganisation: integer({ mode: "boolean" }).notNull().default(false),
  /** JSON: the last "Test connection" result ({ testedAt, ok, lines }), shown on onboarding. */
  lastConnectionTest: text({ mode: "json" }).$type<unknown>(),
  /** When a run last checked the board's statuses and the push callback (at most hourly; null: at the next run). */
  boardCheckedAt: text(),
  updatedAt: createdAt(),
});

export const priorityMappings = sqliteTable(
  "priority_mappings",
  {
    tenantId: tenantRef(),
    /** low | normal | high | urgent | (none) */
    portalValue: text().notNull(),
    cwPriorityId: integer().notNull(),
    cwPriorityName: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.portalValue] })],
);

export const statusMappings = sqliteTable(
  "status_mappings",
  {
    tenantId: tenantRef(),
    /** new | open | pending | hold | solved | closed */
    portalValue: text().notNull(),
    cwStatusId: integer().notNull(),
    cwStatusName: text().notNull(),
    /** Whether the CW status is a closed one (solved/closed must map to one). */
    cwStatusClosed: integer({ mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.portalValue] })],
);

/** Cached ClusterID → configuration/company lookups. */
export const configurationMatches = sqliteTable(
  "configuration_matches",
  {
    tenantId: tenantRef(),
    clusterId: text().notNull(),
    matchField: text().notNull(),
    /** null: looked up and not found */
    cwConfigurationId: integer(),
    cwCompanyId: integer(),
    fetchedAt: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.matchField, t.clusterId] })],
);

export const ticketLinks = sqliteTable(
  "ticket_links",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    portalTicketId: integer().notNull(),
    cwTicketId: integer(),
    /** pending (not yet created in CW) | ok | warning | error */
    state: text({ enum: ["pending", "ok", "warning", "error"] })
      .notNull()
      .default("pending"),
    summary: text().notNull().default(""),
    /** JSON: last synced value/hash per field, the change-driven memory of the planner. */
    syncedFields: text({ mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    /** JSON: open warnings [{ code, message }]. */
    warnings: text({ mode: "json" }).$type<{ code: string; message: string }[]>().notNull().default([]),
    lastError: text(),
    portalUpdatedAt: text(),
    cwUpdatedAt: text(),
    /** Highest CW note id already seen, since note ids only grow. */
    lastCwNoteId: integer().notNull().default(0),
    /** The CW ticket is closed: its notes are no longer polled. */
    cwClosed: integer({ mode: "boolean" }).notNull().default(false),
    /** Set before a ConnectWise create is sent: only then can an orphan of a lost response exist. */
    cwCreateAttempted: integer({ mode: "boolean" }).notNull().default(false),
    /** JSON: the portal request as of `portalUpdatedAt`, planned from while the portal is unchanged. */
    portalSnapshot: text({ mode: "json" }).$type<PortalTicket>(),
    resyncRequested: integer({ mode: "boolean" }).notNull().default(false),
    lastSyncedAt: text(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
  },
  (t) => [
    uniqueIndex("ticket_links_portal_uq").on(t.tenantId, t.portalTicketId),
    index("ticket_links_cw_idx").on(t.tenantId, t.cwTicketId),
    index("ticket_links_state_idx").on(t.tenantId, t.state, t.updatedAt),
    index("ticket_links_updated_idx").on(t.tenantId, t.updatedAt),
    index("ticket_links_resync_idx").on(t.tenantId, t.resyncRequested),
    index("ticket_links_open_idx").on(t.tenantId, t.cwClosed, t.cwTicketId),
  ],
);

export const commentLinks = sqliteTable(
  "comment_links",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    portalTicketId: integer().notNull(),
    /** Source side of the mirrored item. */
    origin: text({ enum: ["portal", "connectwise"] }).notNull(),
    portalCommentId: integer(),
    cwNoteId: integer(),
    contentHash: text().notNull(),
    /** pending: recorded before the write; done: both ids known. */
    state: text({ enum: ["pending", "done"] })
      .notNull()
      .default("pending"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("comment_links_portal_uq").on(t.tenantId, t.portalTicketId, t.portalCommentId),
    uniqueIndex("comment_links_cw_uq").on(t.tenantId, t.portalTicketId, t.cwNoteId),
    index("comment_links_hash_idx").on(t.tenantId, t.portalTicketId, t.contentHash),
  ],
);

/** Per-ticket timeline of every sync action. */
export const ticketEvents = sqliteTable(
  "ticket_events",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    portalTicketId: integer().notNull(),
    cwTicketId: integer(),
    runId: text(),
    action: text().notNull(),
    detail: text().notNull().default(""),
    at: createdAt(),
  },
  (t) => [index("ticket_events_ticket_idx").on(t.tenantId, t.portalTicketId, t.id), index("ticket_events_at_idx").on(t.at)],
);

export const syncRuns = sqliteTable(
  "sync_runs",
  {
    id: text().primaryKey(),
    tenantId: tenantRef(),
    trigger: text({ enum: ["cron", "manual", "webhook"] }).notNull(),
    status: text({ enum: ["queued", "running", "completed", "failed", "skipped"] }).notNull(),
    message: text(),
    startedAt: createdAt(),
    finishedAt: text(),
    /** Every page of changes has been handed to ticket-sync; the run ends when its tickets do. */
    listingComplete: integer({ mode: "boolean" }).notNull().default(false),
    /** When the run last moved (started, a page handed over, a ticket finished): a listing still for a tick is closed. */
    progressAt: text(),
    ticketsSeen: integer().notNull().default(0),
    ticketsCreated: integer().notNull().default(0),
    ticketsUpdated: integer().notNull().default(0),
    notesMirrored: integer().notNull().default(0),
    commentsMirrored: integer().notNull().default(0),
    warnings: integer().notNull().default(0),
    failures: integer().notNull().default(0),
    portalCalls: integer().notNull().default(0),
    cwCalls: integer().notNull().default(0),
  },
  (t) => [index("sync_runs_tenant_idx").on(t.tenantId, t.startedAt), index("sync_runs_status_idx").on(t.tenantId, t.status)],
);

/** The tickets a run handed to ticket-sync; completion is idempotent per ticket. */
export const runTickets = sqliteTable(
  "run_tickets",
  {
    runId: text()
      .notNull()
      .references(() => syncRuns.id),
    tenantId: text().notNull(),
    portalTicketId: integer().notNull(),
    /** Which listing handed it over (resync | portal | connectwise). */
    source: text().notNull().default("portal"),
    /** queued | done | failed */
    state: text({ enum: ["queued", "done", "failed"] })
      .notNull()
      .default("queued"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.portalTicketId] }), index("run_tickets_ticket_idx").on(t.tenantId, t.portalTicketId, t.state)],
);

/** Dead-lettered queue messages, for the failures screen and replay. */
export const failures = sqliteTable(
  "failures",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    /** null when the message could not be attributed to a tenant (unparseable body). */
    tenantId: text(),
    queue: text().notNull(),
    messageId: text().notNull(),
    body: text().notNull(),
    reason: text().notNull(),
    attempts: integer().notNull(),
    replayState: text({ enum: ["new", "replayed", "discarded"] })
      .notNull()
      .default("new"),
    replayedAt: text(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("failures_message_uq").on(t.queue, t.messageId), index("failures_tenant_idx").on(t.tenantId, t.replayState, t.id)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    tenantId: text(),
    userId: text(),
    action: text().notNull(),
    target: text(),
    detail: text().notNull().default(""),
    at: createdAt(),
  },
  (t) => [index("audit_log_tenant_idx").on(t.tenantId, t.id), index("audit_log_at_idx").on(t.at)],
);

/**
 * The vendor's change feed, held by the platform (one row, id "vendor"): a portal admin's
 * credential for the incremental export, the account webhook's signing secret, and where
 * the export has been read to. Absent: every tenant run lists its own requests.
 */
export const vendorFeed = sqliteTable("vendor_feed", {
  id: text().primaryKey(),
  /** AES-GCM envelope of { email, apiToken } of a portal admin (bound to the portal host). */
  credentialCiphertext: text().notNull(),
  /** AES-GCM envelope of the account webhook's signing secret; null: catch-up polling only. */
  webhookSecretCiphertext: text(),
  /** The export's after_cursor, stored only once the tickets before it were queued. */
  exportCursor: text(),
  lastPollAt: text(),
  /** "ok", "deferred: …" or "failed: …" (never upstream text with secrets). */
  lastPollResult: text(),
  /** The last poll that read to the end of the stream: tenant runs rely on the feed while recent. */
  lastPollOkAt: text(),
  /** Webhook events routed to a tenant / answered for no tenant, and tickets queued by catch-up polls. */
  eventsRouted: integer().notNull().default(0),
  eventsUnrouted: integer().notNull().default(0),
  ticketsQueued: integer().notNull().default(0),
  createdAt: createdAt(),
  updatedAt: createdAt(),
});
