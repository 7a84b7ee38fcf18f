import { createHttpClient, withQuery } from "../http";
import type { PortalIdentity } from "../types";
import type { FetchLike } from "../../egress/fetch";
import { createAuthSession } from "./auth";
import { describeZendeskError } from "./normalise";
import { trimBase } from "./oauth";
import { exportPageSchema, userEnvelopeSchema } from "./schemas";

/** A ticket as the export lists it: enough to route it to its tenant and skip known versions. */
export interface ExportedTicket {
  id: number;
  requesterId: number | null;
  organizationId: number | null;
  updatedAt: string;
}

interface ExportPage {
  tickets: ExportedTicket[];
  /** Where the next poll continues; null only if Zendesk sent none (the caller keeps its old one). */
  afterCursor: string | null;
  endOfStream: boolean;
}

export interface PortalAdminClient {
  readonly calls: number;
  me(): Promise<PortalIdentity>;
  /** One page of the cursor-based incremental ticket export: from `cursor`, or from `startTime` (unix s) on the first poll. */
  exportTickets(from: { cursor: string } | { startTime: number }, perPage: number): Promise<ExportPage>;
}

/**
 * The vendor's portal admin (API token): the account-wide calls a tenant's end-user
 * credential cannot make. Only the vendor feed uses it.
 */
export function createPortalAdminClient(opts: { fetch: FetchLike; baseUrl: string; email: string; apiToken: string }): PortalAdminClient {
  const base = trimBase(opts.baseUrl);
  const http = createHttpClient({ fetch: opts.fetch, api: "zendesk", describeError: describeZendeskError });
  const session = createAuthSession({ auth: { kind: "api_token", email: opts.email, apiToken: opts.apiToken }, http, baseUrl: base, now: Date.now });
  const get = async <T>(url: string, schema: Parameters<typeof http.send<T>>[0]["schema"]) =>
    (await http.send({ url, schema, headers: { Accept: "application/json", Authorization: await session.header() } })).data;

  return {
    get calls() {
      return http.calls;
    },
    async me() {
      const { user } = await get(`${base}/api/v2/users/me`, userEnvelopeSchema);
      return { id: user.id, email: user.email, role: user.role, organizationId: user.organization_id };
    },
    async exportTickets(from, perPage) {
      const query = "cursor" in from ? { cursor: from.cursor, per_page: perPage } : { start_time: from.startTime, per_page: perPage };
      const page = await get(withQuery(`${base}/api/v2/incremental/tickets/cursor.json`, query), exportPageSchema);
      return {
        tickets: page.tickets.map((t) => ({ id: t.id, requesterId: t.requester_id, organizationId: t.organization_id, updatedAt: t.updated_at })),
        afterCursor: page.after_cursor,
        endOfStream: page.end_of_stream,
      };
    },
  };
}
