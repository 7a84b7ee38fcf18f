import type { CwTicketCreate } from "../connectors/types";
import type { CwNote, CwTicket, JsonPatchOp, PortalComment, PortalPriority, PortalStatus, PortalTicket } from "../domain/model";

/** Ticket fields whose writes ConnectWise may refuse one by one (a 400/404/409/422). */
export type RefusableField = "summary" | "priority" | "status" | "company" | "configuration";
/** A refused write, remembered with the portal input it was for: tried again only when that changes. */
export interface RefusedWrite {
  input: string;
  message: string;
}

/** What the platform remembers of a ticket between syncs (ticket_links.synced_fields + comment_links). */
export interface SyncedFields {
  refused?: Partial<Record<RefusableField, RefusedWrite>>;
  subjectHash?: string;
  /** Portal values as last pushed; "none" for no priority. */
  priority?: string;
  status?: string;
  /** ClusterID as last resolved ("" for none). */
  clusterId?: string;
  /** The configuration that ClusterID matched (0: none, so the ticket is on the catch-all company). */
  clusterMatchId?: number;
  descriptionNoteId?: number;
  /** The ticket this link followed a merge from: the link now points at its parent. */
  mergedFrom?: number;
  /** Notes of the merge parent up to this id predate the merge and are not mirrored (-1: not read yet). */
  mergeNotesAfter?: number;
  descriptionHash?: string;
}

export interface CommentLinkMemory {
  /** comment_links row id */
  id: number;
  origin: "portal" | "connectwise";
  portalCommentId: number | null;
  cwNoteId: number | null;
  contentHash: string;
  state: "pending" | "done";
}

export interface TicketMemory {
  cwTicketId: number | null;
  synced: SyncedFields;
  comments: CommentLinkMemory[];
}

export interface SyncSettings {
  /** externalXRef of the CW ticket: a stable key for the portal ticket. */
  externalXRef: string;
  boardId: number | null;
  defaultCompanyId: number | null;
  priorityMap: Partial<Record<PortalPriority | "none", number>>;
  statusMap: Partial<Record<PortalStatus, { id: number; closed: boolean }>>;
  commentsPublic: boolean;
  /** The portal user psa-sync acts as: its comments may be ours. */
  portalUserId: number;
  /** New portal activity on a ticket closed in ConnectWise: reopen it, or leave it closed and warn. */
  closedTicketActivity: "reopen" | "warn";
}

/** ClusterID lookup result, resolved by the executor before planning. */
export type ClusterMatch = { configurationId: number; companyId: number } | null;

export interface PlanInput {
  portal: PortalTicket;
  comments: PortalComment[];
  cw: CwTicket | null;
  notes: CwNote[];
  memory: TicketMemory;
  settings: SyncSettings;
  match: ClusterMatch;
  /** An admin asked for a full resync: a deleted ConnectWise ticket is created again. */
  resync?: boolean;
}

export type Operation =
  /** A technician merged the linked ticket into another: the link follows the parent. */
  | { kind: "follow_merge"; fromCwTicketId: number; toCwTicketId: number }
  /** The linked ticket was deleted in ConnectWise: forget it and what was mirrored into it. */
  | { kind: "unlink_deleted_cw_ticket"; cwTicketId: number }
  | { kind: "create_cw_ticket"; create: CwTicketCreate }
  /** `reason`: why, for the timeline, when it is not the ticket's own change (e.g. a late ClusterID match). */
  | { kind: "attach_configuration"; configurationId: number; reason?: string }
  | { kind: "update_cw_ticket"; patch: JsonPatchOp[]; fields: string[]; reason?: string }
  /** `linkId`: a pending link from an earlier attempt, reused instead of recorded again. */
  | { kind: "mirror_comment_to_cw"; portalCommentId: number; text: string; hash: string; linkId: number | null }
  /** A pending link whose write did happen: record the id it got. */
  | { kind: "adopt_cw_note"; linkId: number; cwNoteId: number }
  | { kind: "mirror_note_to_portal"; cwNoteId: number; text: string; hash: string; public: boolean; linkId: number | null }
  | { kind: "adopt_portal_comment"; linkId: number; portalCommentId: number }
  | { kind: "post_description_update"; cwNoteId: number; text: string; hash: string; public: boolean };

type WarningCode =
  | "setup_incomplete"
  | "no_board"
  | "no_company"
  | "unmapped_priority"
  | "unmapped_status"
  | "status_not_closed"
  | "unmatched_cluster"
  | "missing_cluster"
  | "other_board"
  | "cw_closed"
  | "write_refused"
  | "cw_ticket_missing"
  | "portal_request_missing"
  | "not_tenant_request"
  | "portal_closed"
  | "portal_comment_limit";

export interface Warning {
  code: WarningCode;
  message: string;
}

export interface Plan {
  ops: Operation[];
  warnings: Warning[];
  /** Memory to record once every op has succeeded. */
  synced: SyncedFields;
}
