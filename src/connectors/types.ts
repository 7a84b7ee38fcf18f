import type { CwCallback, CwConfiguration, CwNote, CwStatus, CwTicket, JsonPatchOp, PortalComment, PortalTicket, Ref } from "../domain/model";

/**
 * Connector contracts. Implementations are factories taking `fetch` (read at call time)
 * and the tenant's connection; every response is zod-parsed. Failures are thrown as
 * `AppError`: 429/5xx/timeouts/network → `rate_limited` or `upstream_unavailable` with
 * `retryAfter` (seconds) when the upstream said; 401 → `unauthorized`; 403 → `forbidden`;
 * 404 → `not_found`; other 4xx → `invalid_payload` (or `conflict` for 409) carrying the
 * upstream message; a body that fails its schema → `invalid_payload`.
 */

interface CallCounter {
  /** API calls made by this client so far (every HTTP attempt, including failed ones). */
  readonly calls: number;
}

interface PortalPage {
  tickets: PortalTicket[];
  /** Opaque cursor for the next page; null when this was the last page. */
  nextCursor: string | null;
}

/** The Support Portal (Zendesk Requests API, end-user view). */
export interface PortalClient extends CallCounter {
  /**
   * Requests sorted by `updated_at`, newest first, one page. With `cursor` null, starts at
   * the newest; the caller stops paging once it passes its own time cursor.
   */
  listRequests(opts: { cursor: string | null; pageSize: number }): Promise<PortalPage>;
  /** null when the request does not exist or is not visible to us. */
  getRequest(id: number): Promise<PortalTicket | null>;
  /** All comments, oldest first (follows paging; bounded by Zendesk's 5,000 limit). */
  listComments(requestId: number): Promise<PortalComment[]>;
  /** Adds a comment via `PUT /api/v2/requests/{id}`. Zendesk returns no comment id. */
  addComment(requestId: number, body: string, opts: { public: boolean }): Promise<void>;
  /** The user we act as: to recognise our own comments, and to check it is an end user. */
  me(): Promise<PortalIdentity>;
  /** Rotates an OAuth token that is about to expire, with no API call besides the refresh itself. */
  refreshIfDue(): Promise<void>;
}

/** The portal user credentials act as (`GET /api/v2/users/me`). */
export interface PortalIdentity {
  id: number;
  email: string;
  /** "end-user", "agent" or "admin". */
  role: string;
  organizationId: number | null;
}

/** Tokens changed by an OAuth refresh; the caller persists them (encrypted). */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** ISO time the access token expires. */
  expiresAt: string;
}

export interface CwTicketCreate {
  summary: string;
  initialDescription: string;
  boardId: number;
  companyId: number;
  statusId?: number;
  priorityId?: number;
  externalXRef: string;
}

/** ConnectWise Manage REST API 3.0. */
export interface ConnectWiseClient extends CallCounter {
  findTicketByExternalXRef(xref: string): Promise<CwTicket | null>;
  getTicket(id: number): Promise<CwTicket | null>;
  /** Tickets by id, one call (at most 1,000 ids); deleted ones are simply absent. */
  getTickets(ids: number[]): Promise<CwTicket[]>;
  createTicket(input: CwTicketCreate): Promise<CwTicket>;
  patchTicket(id: number, ops: JsonPatchOp[]): Promise<CwTicket>;
  /**
   * Tickets whose externalXRef starts with `xrefPrefix` (the tenant's linked tickets) and
   * `lastUpdated` >= `since`, oldest change first, one page (pageSize ≤ 1000).
   */
  /** Tickets psa-sync created (by externalXRef prefix), plus `alsoIds` (merge parents links follow), changed since `since`. */
  listLinkedTicketsUpdatedSince(opts: {
    xrefPrefix: string;
    alsoIds?: number[];
    since: string;
    page: number;
    pageSize: number;
  }): Promise<{ tickets: CwTicket[]; hasMore: boolean }>;
  /** All notes of a ticket with id > afterId, plus `alsoIds` (older notes still watched), oldest first (follows paging). */
  listNotes(ticketId: number, afterId: number, alsoIds?: number[]): Promise<CwNote[]>;
  addNote(ticketId: number, note: { text: string; internalAnalysisFlag: boolean; detailDescriptionFlag?: boolean }): Promise<CwNote>;
  /** First configuration whose `field` equals `value` exactly (value safely escaped), or null. */
  findConfiguration(field: "serialNumber" | "name" | "tagNumber" | "deviceIdentifier", value: string): Promise<CwConfiguration | null>;
  /** Attaches a configuration to a ticket; attaching one already attached is not an error. */
  attachConfiguration(ticketId: number, configurationId: number): Promise<void>;
  listPriorities(): Promise<Ref[]>;
  listBoards(): Promise<Ref[]>;
  listBoardStatuses(boardId: number): Promise<CwStatus[]>;
  listCompanies(opts: { search?: string; pageSize: number }): Promise<Ref[]>;
  /** Ticket callbacks (level owner, all tickets) whose URL starts with `urlPrefix`. */
  listTicketCallbacks(urlPrefix: string): Promise<CwCallback[]>;
  createTicketCallback(url: string, description: string): Promise<CwCallback>;
  reactivateCallback(id: number): Promise<CwCallback>;
  /** Removes a callback entry; one already gone counts as removed. */
  deleteCallback(id: number): Promise<void>;
}
