import type { PortalComment, PortalTicket } from "../../sync/model";
import type { UpstreamErrorInfo } from "../http";
import { errorBodySchema, type WireComment, type WireRequest } from "./schemas";

/** The ClusterID custom field's value, trimmed; null when absent, empty or not a scalar. */
export function clusterIdOf(request: WireRequest, clusterFieldId: number | null): string | null {
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

/** Message and codes from any of Zendesk's error body shapes (schemas.ts). */
export function describeZendeskError(body: unknown): UpstreamErrorInfo {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { message: null, codes: [] };
  const b = parsed.data;
  const codes: string[] = [];
  const parts: string[] = [];
  if (typeof b.error === "string") codes.push(b.error);
  else if (b.error) parts.push([b.error.title, b.error.message].filter(Boolean).join(": "));
  if (b.description) parts.push(b.description);
  if (b.error_description) parts.push(b.error_description);
  // 422s say what was wrong in `details` (read-only description, 5,000-comment cap, closed ticket).
  for (const list of Object.values(b.details ?? {})) {
    for (const d of list) {
      if (d.description) parts.push(d.description);
      if (d.error) codes.push(d.error);
    }
  }
  for (const e of b.errors ?? []) {
    if (e.code) codes.push(e.code);
    const line = [e.title, e.detail].filter(Boolean).join(": ");
    if (line) parts.push(line);
  }
  if (parts.length === 0 && typeof b.error === "string") parts.push(b.error);
  return { message: parts.length ? parts.join("; ") : null, codes };
}
