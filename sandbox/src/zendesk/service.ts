import { zdError } from "./errors";
import { CUSTOM_FIELD_IDS } from "./ticket-fields";
import {
  COMMENT_BODY_MAX_BYTES,
  COMMENT_LIMIT,
  bodyToHtml,
  htmlToText,
  isoSeconds,
  type Attachment,
  type CommentRow,
  type CustomFieldValue,
  type Priority,
  type Status,
  type Store,
  type TicketRow,
  type UserRow,
} from "./store";

/** A change worth a webhook: Zendesk's event types, minus the `zen:event-type:` prefix. */
export type TicketEvent = {
  type:
    | "ticket.created"
    | "ticket.comment_added"
    | "ticket.status_changed"
    | "ticket.priority_changed"
    | "ticket.custom_field_changed"
    | "ticket.subject_changed"
    | "ticket.type_changed"
    | "ticket.agent_assignment_changed";
  ticket: TicketRow;
  actor: UserRow;
  event: Record<string, unknown>;
};

export type CommentInput = { body?: string; html_body?: string; public?: boolean; attachments?: Attachment[] };
export type TicketChange = {
  status?: Status;
  priority?: Priority | null;
  type?: string | null;
  subject?: string;
  assignee_id?: number | null;
  custom_fields?: CustomFieldValue[];
  comment?: CommentInput;
};
export type AuditJson = {
  id: number;
  ticket_id: number;
  created_at: string;
  author_id: number;
  metadata: Record<string, unknown>;
  via: { channel: string; source: Record<string, unknown> };
  events: Record<string, unknown>[];
};

/** Merges submitted custom field values into the stored list; unknown field ids are ignored, as Zendesk does. */
function mergeFields(current: CustomFieldValue[], incoming: CustomFieldValue[]): CustomFieldValue[] {
  const merged = new Map(current.map((f) => [f.id, f.value]));
  for (const f of incoming) if (CUSTOM_FIELD_IDS.has(f.id)) merged.set(f.id, f.value);
  return [...CUSTOM_FIELD_IDS].map((id) => ({ id, value: merged.get(id) ?? null }));
}

function commentBodies(input: CommentInput): { body: string; html_body: string } | null {
  if (input.html_body !== undefined && input.html_body.trim() !== "") return { body: htmlToText(input.html_body), html_body: input.html_body };
  if (input.body !== undefined && input.body.trim() !== "") return { body: input.body, html_body: bodyToHtml(input.body) };
  return null;
}

const tooLarge = (body: string) => new TextEncoder().encode(body).length > COMMENT_BODY_MAX_BYTES;

/** Ticket writes shared by the Requests and Tickets APIs and the activity helpers. */
export function createService(deps: { store: Store; now(): Date; emit(events: TicketEvent[]): void }) {
  const { store } = deps;

  function writeComment(ticket: TicketRow, author: UserRow, input: CommentInput, auditId: number, at: string, channel: string): CommentRow {
    const bodies = commentBodies(input)!;
    return store.insertComment({
      ticket_id: ticket.id,
      audit_id: auditId,
      author_id: author.id,
      body: bodies.body,
      html_body: bodies.html_body,
      public: input.public === false ? 0 : 1,
      attachments: JSON.stringify(input.attachments ?? []),
      via_channel: channel,
      metadata: JSON.stringify({
        system: { client: "psa-sync-sandbox", ip_address: "192.0.2.10", location: "Sandbox", latitude: 0, longitude: 0 },
        custom: {},
      }),
      created_at: at,
    });
  }

  return {
    createTicket(input: {
      requester: UserRow;
      submitter?: UserRow;
      subject: string;
      comment: CommentInput;
      priority?: Priority | null;
      type?: string | null;
      status?: Status;
      assigneeId?: number | null;
      customFields?: CustomFieldValue[];
      channel?: string;
      at?: Date;
    }): { ticket: TicketRow; comment: CommentRow } | { error: Response } {
      const bodies = commentBodies(input.comment);
      if (!bodies) return { error: zdError.recordInvalid({ description: [{ description: "Description: cannot be blank", error: "BlankValue" }] }) };
      if (tooLarge(bodies.body)) return { error: zdError.commentTooLarge(COMMENT_BODY_MAX_BYTES) };
      const at = isoSeconds(input.at ?? deps.now());
      const channel = input.channel ?? "api";
      const assignee = input.assigneeId ?? null;
      const created = store.insertTicket({
        subject: input.subject.trim() === "" ? bodies.body.slice(0, 80) : input.subject,
        description: bodies.body,
        status: input.status ?? (assignee ? "open" : "new"),
        priority: input.priority ?? null,
        type: input.type ?? null,
        requester_id: input.requester.id,
        submitter_id: (input.submitter ?? input.requester).id,
        assignee_id: assignee,
        organization_id: input.requester.organization_id,
        custom_fields: JSON.stringify(mergeFields([], input.customFields ?? [])),
        collaborator_ids: "[]",
        tags: "[]",
        via_channel: channel,
        created_at: at,
        updated_at: at,
      });
      const author = input.submitter ?? input.requester;
      const auditId = store.insertAudit({ ticket_id: created.id, author_id: author.id, events: [{ type: "Create" }], via_channel: channel, created_at: at });
      const comment = writeComment(created, author, { ...input.comment, public: true }, auditId, at, channel);
      const ticket = store.ticket(created.id)!;
      deps.emit([{ type: "ticket.created", ticket, actor: author, event: {} }]);
      return { ticket, comment };
    },

    /**
     * Applies a change as one audit. Enforces Zendesk's rules: closed tickets are
     * read-only, the comment cap, priority cannot be cleared once set, never back to new.
     */
    updateTicket(
      ticketId: number,
      actor: UserRow,
      change: TicketChange,
      channel = "api",
    ): { ticket: TicketRow; audit: AuditJson; comment: CommentRow | null } | { error: Response } {
      const before = store.ticket(ticketId);
      if (!before) return { error: zdError.recordNotFound() };
      if (before.status === "closed") return { error: zdError.closedTicket() };
      const bodies = change.comment ? commentBodies(change.comment) : null;
      if (change.comment && !bodies) return { error: zdError.recordInvalid({ comment: [{ description: "Comment: cannot be blank", error: "BlankValue" }] }) };
      if (bodies && before.comment_count >= COMMENT_LIMIT) return { error: zdError.commentLimit(COMMENT_LIMIT) };
      if (bodies && tooLarge(bodies.body)) return { error: zdError.commentTooLarge(COMMENT_BODY_MAX_BYTES) };
      if (change.priority === null && before.priority !== null) {
        return { error: zdError.recordInvalid({ priority: [{ description: "Priority: cannot be removed once set", error: "InvalidValue" }] }) };
      }
      if (change.status === "new" && before.status !== "new") {
        return {
          error: zdError.recordInvalid({ status: [{ description: "Status: new is not valid for a ticket that has been opened", error: "InvalidValue" }] }),
        };
      }

      const cols: Parameters<Store["updateTicket"]>[1] = {};
      if (change.subject !== undefined && change.subject !== before.subject) cols.subject = change.subject;
      if (change.type !== undefined && change.type !== before.type) cols.type = change.type;
      if (change.assignee_id !== undefined && change.assignee_id !== before.assignee_id) cols.assignee_id = change.assignee_id;
      if (change.priority !== undefined && change.priority !== before.priority) cols.priority = change.priority;
      let status = change.status;
      // Solving needs an assignee: the agent solving an unassigned ticket takes it.
      const assignee = cols.assignee_id !== undefined ? cols.assignee_id : before.assignee_id;
      if ((status === "solved" || status === "closed") && assignee === null && actor.role !== "end-user") cols.assignee_id = actor.id;
      if (status === undefined && before.status === "new" && cols.assignee_id) status = "open";
      if (status !== undefined && status !== before.status) cols.status = status;
      if (change.custom_fields) {
        const merged = JSON.stringify(mergeFields(JSON.parse(before.custom_fields) as CustomFieldValue[], change.custom_fields));
        if (merged !== before.custom_fields) cols.custom_fields = merged;
      }

      const at = isoSeconds(deps.now());
      const events: Record<string, unknown>[] = [];
      for (const field of ["status", "priority", "type", "subject", "assignee_id"] as const) {
        if (cols[field] !== undefined) events.push({ type: "Change", field_name: field, value: cols[field] ?? "", previous_value: before[field] ?? "" });
      }
      if (cols.custom_fields) events.push({ type: "Change", field_name: "custom_fields", value: cols.custom_fields, previous_value: before.custom_fields });
      if (events.length === 0 && !bodies) {
        // Nothing changed: Zendesk answers with the ticket and an empty audit, without touching updated_at.
        const audit: AuditJson = {
          id: 0,
          ticket_id: before.id,
          created_at: before.updated_at,
          author_id: actor.id,
          metadata: {},
          via: { channel, source: {} },
          events: [],
        };
        return { ticket: before, audit, comment: null };
      }
      const auditId = store.insertAudit({ ticket_id: before.id, author_id: actor.id, events, via_channel: channel, created_at: at });
      const comment = bodies && change.comment ? writeComment(before, actor, change.comment, auditId, at, channel) : null;
      store.updateTicket(before.id, cols, at);
      const ticket = store.ticket(before.id)!;

      const auditEvents: Record<string, unknown>[] = [];
      if (comment) {
        auditEvents.push({
          id: auditId * 100,
          type: "Comment",
          author_id: actor.id,
          body: comment.body,
          html_body: comment.html_body,
          public: comment.public === 1,
          attachments: [],
        });
      }
      auditEvents.push(...events.map((e, i) => ({ id: auditId * 100 + i + 1, ...e })));
      const audit: AuditJson = {
        id: auditId,
        ticket_id: ticket.id,
        created_at: at,
        author_id: actor.id,
        metadata: { system: {}, custom: {} },
        via: { channel, source: {} },
        events: auditEvents,
      };

      const out: TicketEvent[] = [];
      if (comment) {
        out.push({
          type: "ticket.comment_added",
          ticket,
          actor,
          event: {
            comment: {
              id: String(comment.id),
              body: comment.body,
              is_public: comment.public === 1,
              author: { id: String(actor.id), is_staff: actor.role !== "end-user", name: actor.name },
            },
          },
        });
      }
      if (cols.status !== undefined)
        out.push({ type: "ticket.status_changed", ticket, actor, event: { current: cols.status.toUpperCase(), previous: before.status.toUpperCase() } });
      if (cols.priority !== undefined)
        out.push({
          type: "ticket.priority_changed",
          ticket,
          actor,
          event: { current: cols.priority?.toUpperCase() ?? null, previous: before.priority?.toUpperCase() ?? null },
        });
      if (cols.subject !== undefined) out.push({ type: "ticket.subject_changed", ticket, actor, event: { current: cols.subject, previous: before.subject } });
      if (cols.type !== undefined)
        out.push({
          type: "ticket.type_changed",
          ticket,
          actor,
          event: { current: cols.type?.toUpperCase() ?? null, previous: before.type?.toUpperCase() ?? null },
        });
      if (cols.assignee_id !== undefined)
        out.push({
          type: "ticket.agent_assignment_changed",
          ticket,
          actor,
          event: {
            current: { id: cols.assignee_id === null ? null : String(cols.assignee_id) },
            previous: { id: before.assignee_id === null ? null : String(before.assignee_id) },
          },
        });
      if (cols.custom_fields)
        out.push({
          type: "ticket.custom_field_changed",
          ticket,
          actor,
          event: { current: JSON.parse(cols.custom_fields) as unknown, previous: JSON.parse(before.custom_fields) as unknown },
        });
      deps.emit(out);
      return { ticket, audit, comment };
    },
  };
}

export type Service = ReturnType<typeof createService>;
