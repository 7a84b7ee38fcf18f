/** The Zendesk emulator's tables (all prefixed `zd_`) and their data access. */

export const STATUSES = ["new", "open", "pending", "hold", "solved", "closed"] as const;
export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type Status = (typeof STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type Role = "end-user" | "agent" | "admin";

/** Zendesk caps a ticket at 5,000 comments; adding one more answers 422. */
export const COMMENT_LIMIT = 5000;
/** A comment body's size limit: 64 KB of text (Zendesk support: "roughly … ~65,000 characters"). */
export const COMMENT_BODY_MAX_BYTES = 65_535;

/** First ids of each sequence: tickets, comments, audits and attachments never share ids. */
const ID_BASE = { zd_tickets: 1000, zd_comments: 36_000_000_000, zd_audits: 47_000_000_000 } as const;

export type UserRow = { id: number; name: string; email: string; role: Role; password: string; api_token: string; organization_id: number | null };
/** `shared_tickets`: end users of the organisation see each other's requests (Zendesk's default is off). */
export type OrganizationRow = { id: number; name: string; shared_tickets: number };
export type TicketRow = {
  id: number;
  subject: string;
  description: string;
  status: Status;
  priority: Priority | null;
  type: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  custom_fields: string;
  collaborator_ids: string;
  tags: string;
  via_channel: string;
  created_at: string;
  updated_at: string;
  comment_count: number;
};
export type Attachment = { id: number; file_name: string; content_url: string; content_type: string; size: number };
export type CommentRow = {
  id: number;
  ticket_id: number;
  audit_id: number;
  author_id: number;
  body: string;
  html_body: string;
  public: number;
  attachments: string;
  via_channel: string;
  metadata: string;
  created_at: string;
};
export type CustomFieldValue = { id: number; value: string | number | boolean | string[] | null };

/** Zendesk timestamps: ISO-8601 UTC with seconds precision. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function migrateStore(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    password TEXT NOT NULL, api_token TEXT NOT NULL, organization_id INTEGER)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_organizations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, shared_tickets INTEGER NOT NULL DEFAULT 0)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_tickets (id INTEGER PRIMARY KEY, subject TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL,
    priority TEXT, type TEXT, requester_id INTEGER NOT NULL, submitter_id INTEGER NOT NULL, assignee_id INTEGER, organization_id INTEGER,
    custom_fields TEXT NOT NULL DEFAULT '[]', collaborator_ids TEXT NOT NULL DEFAULT '[]', tags TEXT NOT NULL DEFAULT '[]',
    via_channel TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, comment_count INTEGER NOT NULL DEFAULT 0)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_comments (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, audit_id INTEGER NOT NULL, author_id INTEGER NOT NULL,
    body TEXT NOT NULL, html_body TEXT NOT NULL, public INTEGER NOT NULL, attachments TEXT NOT NULL DEFAULT '[]', via_channel TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS zd_comments_ticket ON zd_comments (ticket_id, id)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS zd_tickets_requester ON zd_tickets (requester_id)`);
  // Every API-token request looks its user up by email, ignoring case.
  sql.exec(`CREATE INDEX IF NOT EXISTS zd_users_email ON zd_users (lower(email))`);
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_audits (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, author_id INTEGER NOT NULL, events TEXT NOT NULL,
    via_channel TEXT NOT NULL, created_at TEXT NOT NULL)`);
}

export const ZD_TABLES = ["zd_users", "zd_organizations", "zd_tickets", "zd_comments", "zd_audits"] as const;

function nextId(sql: SqlStorage, table: keyof typeof ID_BASE): number {
  return sql.exec<{ next: number }>(`SELECT COALESCE(MAX(id), ?) + 1 AS next FROM ${table}`, ID_BASE[table]).one().next;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);
}

/** Zendesk renders a plain comment as paragraphs inside a zd-comment div. */
export function bodyToHtml(body: string): string {
  const paragraphs = body.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`);
  return `<div class="zd-comment" dir="auto">${paragraphs.join("")}</div>`;
}

/** Plain text of an html_body, for comments written as HTML. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}

export function createStore(sql: SqlStorage) {
  const store = {
    userById(id: number): UserRow | null {
      return sql.exec<UserRow>(`SELECT * FROM zd_users WHERE id = ?`, id).toArray()[0] ?? null;
    },
    userByEmail(email: string): UserRow | null {
      return sql.exec<UserRow>(`SELECT * FROM zd_users WHERE lower(email) = lower(?)`, email).toArray()[0] ?? null;
    },
    insertUser(u: UserRow): void {
      sql.exec(
        `INSERT INTO zd_users (id, name, email, role, password, api_token, organization_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        u.id,
        u.name,
        u.email,
        u.role,
        u.password,
        u.api_token,
        u.organization_id,
      );
    },
    /** A role or organisation change, as an admin makes it in Zendesk. */
    updateUser(id: number, changes: { role?: Role; organization_id?: number | null }): void {
      if (changes.role !== undefined) sql.exec(`UPDATE zd_users SET role = ? WHERE id = ?`, changes.role, id);
      if (changes.organization_id !== undefined) sql.exec(`UPDATE zd_users SET organization_id = ? WHERE id = ?`, changes.organization_id, id);
    },
    organization(id: number): OrganizationRow | null {
      return sql.exec<OrganizationRow>(`SELECT * FROM zd_organizations WHERE id = ?`, id).toArray()[0] ?? null;
    },
    insertOrganization(o: OrganizationRow): void {
      sql.exec(`INSERT INTO zd_organizations (id, name, shared_tickets) VALUES (?, ?, ?)`, o.id, o.name, o.shared_tickets);
    },
    ticket(id: number): TicketRow | null {
      return sql.exec<TicketRow>(`SELECT * FROM zd_tickets WHERE id = ?`, id).toArray()[0] ?? null;
    },
    /** Tickets the user requested or follows (the collaborator match is refined by the caller). */
    ticketsOf(userId: number): TicketRow[] {
      return sql
        .exec<TicketRow>(`SELECT * FROM zd_tickets WHERE requester_id = ? OR instr(collaborator_ids, ?) > 0 ORDER BY id`, userId, String(userId))
        .toArray();
    },
    /** Tickets of an organisation (requests its end users see when it shares tickets). */
    ticketsOfOrganization(organizationId: number): TicketRow[] {
      return sql.exec<TicketRow>(`SELECT * FROM zd_tickets WHERE organization_id = ? ORDER BY id`, organizationId).toArray();
    },
    allTickets(): TicketRow[] {
      return sql.exec<TicketRow>(`SELECT * FROM zd_tickets ORDER BY id`).toArray();
    },
    insertTicket(t: Omit<TicketRow, "id" | "comment_count">): TicketRow {
      const id = nextId(sql, "zd_tickets");
      sql.exec(
        `INSERT INTO zd_tickets (id, subject, description, status, priority, type, requester_id, submitter_id, assignee_id, organization_id,
          custom_fields, collaborator_ids, tags, via_channel, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        t.subject,
        t.description,
        t.status,
        t.priority,
        t.type,
        t.requester_id,
        t.submitter_id,
        t.assignee_id,
        t.organization_id,
        t.custom_fields,
        t.collaborator_ids,
        t.tags,
        t.via_channel,
        t.created_at,
        t.updated_at,
      );
      return store.ticket(id)!;
    },
    /** Writes the given columns and stamps updated_at (every change to a ticket is a ticket event). */
    updateTicket(
      id: number,
      changes: Partial<Pick<TicketRow, "status" | "priority" | "type" | "subject" | "assignee_id" | "custom_fields" | "tags">>,
      at: string,
    ): void {
      const cols = Object.keys(changes) as (keyof typeof changes)[];
      const sets = [...cols.map((c) => `${c} = ?`), "updated_at = ?"].join(", ");
      sql.exec(`UPDATE zd_tickets SET ${sets} WHERE id = ?`, ...cols.map((c) => changes[c] ?? null), at, id);
    },
    insertAudit(a: { ticket_id: number; author_id: number; events: unknown[]; via_channel: string; created_at: string }): number {
      const id = nextId(sql, "zd_audits");
      sql.exec(
        `INSERT INTO zd_audits (id, ticket_id, author_id, events, via_channel, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
        id,
        a.ticket_id,
        a.author_id,
        JSON.stringify(a.events),
        a.via_channel,
        a.created_at,
      );
      return id;
    },
    insertComment(c: Omit<CommentRow, "id">): CommentRow {
      const id = nextId(sql, "zd_comments");
      sql.exec(
        `INSERT INTO zd_comments (id, ticket_id, audit_id, author_id, body, html_body, public, attachments, via_channel, metadata, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        c.ticket_id,
        c.audit_id,
        c.author_id,
        c.body,
        c.html_body,
        c.public,
        c.attachments,
        c.via_channel,
        c.metadata,
        c.created_at,
      );
      sql.exec(`UPDATE zd_tickets SET comment_count = comment_count + 1 WHERE id = ?`, c.ticket_id);
      return sql.exec<CommentRow>(`SELECT * FROM zd_comments WHERE id = ?`, id).one();
    },
    comments(ticketId: number, publicOnly: boolean): CommentRow[] {
      return sql
        .exec<CommentRow>(`SELECT * FROM zd_comments WHERE ticket_id = ? AND (? = 0 OR public = 1) ORDER BY created_at, id`, ticketId, publicOnly ? 1 : 0)
        .toArray();
    },
    comment(ticketId: number, commentId: number): CommentRow | null {
      return sql.exec<CommentRow>(`SELECT * FROM zd_comments WHERE ticket_id = ? AND id = ?`, ticketId, commentId).toArray()[0] ?? null;
    },
  };
  return store;
}

export type Store = ReturnType<typeof createStore>;

/**
 * Test helper: appends `count` agent notes to a ticket in one statement, so the 5,000
 * comment cap can be reached quickly (call it inside the Durable Object).
 */
export function bulkAddComments(sql: SqlStorage, ticketId: number, authorId: number, count: number, at: string): void {
  const first = nextId(sql, "zd_comments");
  sql.exec(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO zd_comments (id, ticket_id, audit_id, author_id, body, html_body, public, attachments, via_channel, metadata, created_at)
     SELECT ? + i, ?, 0, ?, 'Bulk note ' || i, '<div class="zd-comment" dir="auto"><p>Bulk note ' || i || '</p></div>', 0, '[]', 'api', '{}', ? FROM n`,
    count,
    first,
    ticketId,
    authorId,
    at,
  );
  sql.exec(`UPDATE zd_tickets SET comment_count = comment_count + ? WHERE id = ?`, count, ticketId);
}
