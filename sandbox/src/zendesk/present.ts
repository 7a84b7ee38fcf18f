import type { Attachment, CommentRow, CustomFieldValue, TicketRow } from "./store";
import { PORTAL_VISIBLE_FIELD_IDS } from "./ticket-fields";

/**
 * JSON shapes of tickets, requests and comments. Optional fields that are empty are
 * omitted rather than sent as null, because the OpenAPI contract types them as
 * non-nullable (e.g. `priority`, `assignee_id`).
 */

/** `https://host/zendesk` — the part of the request URL before `/api/v2`. */
export function apiRoot(requestUrl: string): string {
  const u = new URL(requestUrl);
  const i = u.pathname.indexOf("/api/v2");
  return u.origin + (i >= 0 ? u.pathname.slice(0, i) : "");
}

const via = (channel: string) => ({ channel, source: { from: {}, to: {}, rel: null } });
const parseFields = (t: TicketRow): CustomFieldValue[] => JSON.parse(t.custom_fields) as CustomFieldValue[];
const omitNull = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;

/** An end user can solve a request once an agent has it, unless it is a problem ticket. */
export function canBeSolvedByMe(t: TicketRow): boolean {
  return t.assignee_id !== null && t.type !== "problem" && t.status !== "solved" && t.status !== "closed";
}

export function presentTicket(t: TicketRow, root: string) {
  const fields = parseFields(t);
  return {
    ...omitNull({ priority: t.priority, type: t.type, assignee_id: t.assignee_id, organization_id: t.organization_id }),
    id: t.id,
    url: `${root}/api/v2/tickets/${t.id}.json`,
    via: via(t.via_channel),
    created_at: t.created_at,
    updated_at: t.updated_at,
    generated_timestamp: Math.floor(Date.parse(t.updated_at) / 1000),
    subject: t.subject,
    raw_subject: t.subject,
    description: t.description,
    status: t.status,
    requester_id: t.requester_id,
    submitter_id: t.submitter_id,
    collaborator_ids: JSON.parse(t.collaborator_ids) as number[],
    follower_ids: [],
    email_cc_ids: [],
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: JSON.parse(t.tags) as string[],
    custom_fields: fields,
    fields,
    sharing_agreement_ids: [],
    followup_ids: [],
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
}

export function presentRequest(t: TicketRow, root: string) {
  // End users only see custom fields that are visible in the portal.
  const fields = parseFields(t).filter((f) => PORTAL_VISIBLE_FIELD_IDS.has(f.id));
  return {
    ...omitNull({ priority: t.priority, type: t.type, assignee_id: t.assignee_id, organization_id: t.organization_id }),
    id: t.id,
    url: `${root}/api/v2/requests/${t.id}.json`,
    subject: t.subject,
    description: t.description,
    status: t.status,
    requester_id: t.requester_id,
    collaborator_ids: JSON.parse(t.collaborator_ids) as number[],
    email_cc_ids: [],
    is_public: true,
    can_be_solved_by_me: canBeSolvedByMe(t),
    via: via(t.via_channel),
    custom_fields: fields,
    fields,
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
}

/** Attachment urls are stored relative to the portal root, which depends on the host called. */
export function presentComment(c: CommentRow, root: string) {
  const attachments = (JSON.parse(c.attachments) as Attachment[]).map((a) => ({
    ...a,
    content_url: root + a.content_url,
    url: `${root}/api/v2/attachments/${a.id}.json`,
    mapped_content_url: root + a.content_url,
    inline: false,
    deleted: false,
    thumbnails: [],
  }));
  return {
    id: c.id,
    type: "Comment",
    author_id: c.author_id,
    body: c.body,
    html_body: c.html_body,
    plain_body: c.body,
    public: c.public === 1,
    attachments,
    audit_id: c.audit_id,
    via: via(c.via_channel),
    metadata: JSON.parse(c.metadata) as Record<string, unknown>,
    created_at: c.created_at,
  };
}

/** Zendesk accepts every path with or without `.json`; ids are matched with the suffix allowed. */
export const ID = "{[0-9]+(?:\\.json)?}";
export const withJson = (path: string): string[] => [path, `${path}.json`];
export const idOf = (raw: string | undefined): number => Number.parseInt(raw ?? "", 10);
