/**
 * The two systems as the sync engine sees them: normalised from the connectors' zod-parsed
 * wire payloads, so planning never touches HTTP shapes.
 */
export const PORTAL_STATUSES = ["new", "open", "pending", "hold", "solved", "closed"] as const;
export type PortalStatus = (typeof PORTAL_STATUSES)[number];

export const PORTAL_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type PortalPriority = (typeof PORTAL_PRIORITIES)[number];

export interface PortalTicket {
  id: number;
  subject: string;
  /** The first comment's text (read-only in Zendesk). */
  description: string;
  status: PortalStatus;
  priority: PortalPriority | null;
  /** Value of the tenant's ClusterID custom field, trimmed; null when empty. */
  clusterId: string | null;
  /** Who asked (null only if the portal did not say): the tenant syncs only its own requests. */
  requesterId: number | null;
  /** The request's organisation, if any. */
  organizationId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface PortalComment {
  id: number;
  /** Plain text body. */
  body: string;
  authorId: number;
  public: boolean;
  createdAt: string;
  attachmentCount: number;
}

export interface Ref {
  id: number;
  name: string;
}

export interface CwTicket {
  id: number;
  summary: string;
  board: Ref | null;
  status: Ref | null;
  priority: Ref | null;
  company: Ref | null;
  externalXRef: string | null;
  closedFlag: boolean;
  /** Set when a technician merged this ticket into another: links follow the parent. */
  mergedParentTicketId: number | null;
  lastUpdated: string;
  /** The member that created the ticket (for one psa-sync created: its API member). */
  enteredBy: string | null;
}

export interface CwCallback {
  id: number;
  url: string;
  inactive: boolean;
}

export interface CwNote {
  id: number;
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: boolean;
  createdBy: string | null;
  dateCreated: string;
  lastUpdated: string | null;
}

export interface CwConfiguration {
  id: number;
  name: string;
  company: Ref | null;
}

export interface CwStatus extends Ref {
  closedStatus: boolean;
  inactive: boolean;
}

export type JsonPatchOp = { op: "replace" | "add"; path: string; value: unknown } | { op: "remove"; path: string };
