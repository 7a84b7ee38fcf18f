import type { PortalComment, PortalTicket } from "../../domain/model";
import { classify, type Classification } from "../classify";
import type { UpstreamErrorInfo } from "../http";
import { errorBodySchema, type WireComment, type WireRequest } from "./schemas";

/** The ClusterID custom field's value, trimmed; null when absent, empty or not a scalar. */
function clusterIdOf(request: WireRequest, clusterFieldId: number | null): string | null {
  if (clusterFieldId === null) return null;
  const value = request.custom_fields.find((f) => f.id === clusterFieldId)?.value;
  const text = typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
  return text === "" ? null : text;
}

export function toPortalTicket(request: WireRequest, clusterFieldId: number | null): PortalTicket {
  return {
    id: request.id,
    subject: request.subject,
    description: request.description,
    status: request.status,
    priority: request.priority,
    clusterId: clusterIdOf(request, clusterFieldId),
    requesterId: request.requester_id,
    organizationId: request.organization_id,
    createdAt: request.created_at,
    updatedAt: request.updated_at,
  };
}

export function toPortalComment(comment: WireComment): PortalComment {
  return {
    id: comment.id,
    body: comment.plain_body ?? comment.body ?? "",
    authorId: comment.author_id,
    public: comment.public,
    createdAt: comment.created_at,
    attachmentCount: comment.attachments.length,
  };
}

const ZENDESK_ERRORS: Classification = {
  byCode: {
    RecordInvalid: "refused as invalid",
    RecordNotFound: "not found",
    InvalidEndpoint: "not found",
    InvalidValue: "a field value was refused",
    BlankValue: "a required field is blank",
    ReadOnly: "the field is read-only",
    TooLong: "the text is too long for the portal",
    CommentLimitExceeded: "the request has reached the portal's limit of 5000 comments",
    UpdateConflict: "the request changed meanwhile",
    InternalServerError: "the portal had an unexpected error",
    invalid_grant: "the sign-in grant is invalid, expired or already used",
    invalid_client: "the OAuth client was refused",
    invalid_request: "the OAuth request was refused",
  },
  byPhrase: [[/closed prevents/i, "the request is closed and cannot be updated"]],
};

/** Any of Zendesk's error body shapes (schemas.ts), classified (classify.ts). */
export function describeZendeskError(body: unknown): UpstreamErrorInfo {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { message: null, codes: [] };
  const b = parsed.data;
  const codes: string[] = [];
  const fields: string[] = [];
  const texts: string[] = [];
  if (typeof b.error === "string") codes.push(b.error);
  // 422s say what was wrong in `details` (read-only description, 5,000-comment cap, closed ticket).
  for (const [field, list] of Object.entries(b.details ?? {})) {
    fields.push(field);
    for (const d of list) {
      if (d.error) codes.push(d.error);
      if (d.description) texts.push(d.description);
    }
  }
  for (const e of b.errors ?? []) if (e.code) codes.push(e.code);
  return { message: classify(ZENDESK_ERRORS, codes, fields, texts.join(" ") || null), codes };
}
