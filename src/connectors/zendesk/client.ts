import { AppError } from "../../lib/errors";
import type { PortalComment } from "../../domain/model";
import { assertId, createHttpClient, type HttpRequest, type HttpResponse, UpstreamError, withQuery, orNull } from "../http";
import type { OAuthTokens, PortalClient } from "../types";
import type { FetchLike } from "../../egress/fetch";
import { createAuthSession, type PortalAuth } from "./auth";
import { describeZendeskError, toPortalComment, toPortalTicket } from "./normalise";
import { trimBase } from "./oauth";
import { commentPageSchema, requestEnvelopeSchema, requestPageSchema, userEnvelopeSchema } from "./schemas";

/** Zendesk's cursor page size cap. */
const MAX_PAGE_SIZE = 100;
/** A request holds at most 5,000 comments: 50 pages of 100, plus slack for a bad cursor. */
const MAX_COMMENT_PAGES = 60;

export interface PortalClientOptions {
  fetch: FetchLike;
  /** e.g. https://acme.zendesk.com (the sandbox: http://localhost:8788/zendesk). */
  baseUrl: string;
  auth: PortalAuth;
  /** Called with rotated tokens after a refresh; persist them before the next run. */
  onTokens?: (tokens: OAuthTokens) => void | Promise<void>;
  /** The custom ticket field holding the ClusterID; null when not configured. */
  clusterFieldId: number | null;
  timeoutMs?: number;
  now?: () => number;
}

export function createPortalClient(opts: PortalClientOptions): PortalClient {
  const base = trimBase(opts.baseUrl);
  const api = `${base}/api/v2`;
  const now = opts.now ?? Date.now;
  const http = createHttpClient({ fetch: opts.fetch, api: "zendesk", describeError: describeZendeskError, timeoutMs: opts.timeoutMs, now });
  const session = createAuthSession({ auth: opts.auth, http, baseUrl: base, onTokens: opts.onTokens, now });

  /** Authenticated call; on a 401 an OAuth session refreshes once and repeats the call. */
  async function call<T>(req: Omit<HttpRequest<T>, "headers">): Promise<HttpResponse<T>> {
    const attempt = async () => http.send({ ...req, headers: { Accept: "application/json", Authorization: await session.header() } });
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof UpstreamError && err.httpStatus === 401 && (await session.refreshAfter401())) return attempt();
      throw err;
    }
  }

  return {
    get calls() {
      return http.calls;
    },

    async refreshIfDue() {
      await session.header();
    },

    async listRequests({ cursor, pageSize }) {
      const size = Math.min(Math.max(Math.trunc(pageSize), 1), MAX_PAGE_SIZE);
      const url = withQuery(`${api}/requests`, { sort_by: "updated_at", sort_order: "desc", "page[size]": size, "page[after]": cursor ?? undefined });
      const { data } = await call({ url, schema: requestPageSchema });
      const next = data.meta?.has_more ? (data.meta.after_cursor ?? null) : null;
      return { tickets: data.requests.map((r) => toPortalTicket(r, opts.clusterFieldId)), nextCursor: next };
    },

    async getRequest(id) {
      const res = await orNull(call({ url: `${api}/requests/${assertId(id, "request id")}`, schema: requestEnvelopeSchema }));
      return res ? toPortalTicket(res.data.request, opts.clusterFieldId) : null;
    },

    async listComments(requestId) {
      const first = `${api}/requests/${assertId(requestId, "request id")}/comments`;
      const comments: PortalComment[] = [];
      let url: string | null = withQuery(first, { "page[size]": MAX_PAGE_SIZE });
      for (let pages = 0; url !== null; pages++) {
        if (pages >= MAX_COMMENT_PAGES) throw new AppError("invalid_payload", `zendesk comments of request ${requestId}: paging did not end`);
        const { data } = await call({ url, schema: commentPageSchema });
        comments.push(...data.comments.map(toPortalComment));
        url = nextCommentsUrl(first, data, base);
      }
      // Zendesk pages oldest first; sorting again keeps the contract whatever the paging style.
      return comments.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
    },

    async addComment(requestId, body, { public: isPublic }) {
      // End users' comments on the Requests API are always public and `public` is not a
      // writable attribute; refuse a private one rather than publish it by surprise.
      if (!isPublic) throw new AppError("invalid_payload", "the Requests API cannot add a private comment");
      await call({
        method: "PUT",
        url: `${api}/requests/${assertId(requestId, "request id")}`,
        json: { request: { comment: { body } } },
        schema: requestEnvelopeSchema,
      });
    },

    async me() {
      const { data } = await call({ url: `${api}/users/me`, schema: userEnvelopeSchema });
      return { id: data.user.id, email: data.user.email, role: data.user.role, organizationId: data.user.organization_id };
    },
  };
}

/**
 * The next comments page: our own URL with `after_cursor` (never a host from the body), or
 * an offset `next_page` only when it points back at the same portal.
 */
function nextCommentsUrl(
  first: string,
  data: { meta?: { has_more: boolean; after_cursor?: string | null } | null; next_page?: string | null },
  base: string,
): string | null {
  if (data.meta) {
    if (!data.meta.has_more || !data.meta.after_cursor) return null;
    return withQuery(first, { "page[size]": MAX_PAGE_SIZE, "page[after]": data.meta.after_cursor });
  }
  if (!data.next_page) return null;
  if (!data.next_page.startsWith(`${base}/`)) throw new AppError("invalid_payload", "zendesk comments: next_page points outside the portal");
  return data.next_page;
}
