import type { CwNote, CwTicket, PortalComment, PortalTicket } from "../../src/domain/model";
import type { PlanInput, SyncSettings, TicketMemory } from "../../src/sync/plan-types";

export const OUR_PORTAL_USER = 900;
const CUSTOMER = 901;

export const portalTicket = (over: Partial<PortalTicket> = {}): PortalTicket => ({
  id: 42,
  subject: "Cluster node offline",
  description: "Node 2 went offline after the update.",
  status: "open",
  priority: "high",
  clusterId: "CZJ1234ABC",
  requesterId: CUSTOMER,
  organizationId: null,
  createdAt: "2026-11-01T10:00:00Z",
  updatedAt: "2026-11-01T10:00:00Z",
  ...over,
});

export const comment = (id: number, body: string, over: Partial<PortalComment> = {}): PortalComment => ({
  id,
  body,
  authorId: CUSTOMER,
  public: true,
  createdAt: "2026-11-01T10:00:00Z",
  attachmentCount: 0,
  ...over,
});

export const cwTicket = (over: Partial<CwTicket> = {}): CwTicket => ({
  id: 5001,
  summary: "Cluster node offline",
  board: { id: 1, name: "Easy Connect Support" },
  status: { id: 11, name: "In Progress" },
  priority: { id: 2, name: "Priority 2" },
  company: { id: 300, name: "Contoso Dental" },
  externalXRef: "psa-sync:t1:42",
  closedFlag: false,
  mergedParentTicketId: null,
  lastUpdated: "2026-11-01T10:00:00Z",
  enteredBy: "psa-sync-api",
  ...over,
});

export const note = (id: number, text: string, over: Partial<CwNote> = {}): CwNote => ({
  id,
  text,
  detailDescriptionFlag: false,
  internalAnalysisFlag: true,
  resolutionFlag: false,
  createdBy: "jparker",
  dateCreated: "2026-11-01T10:00:00Z",
  lastUpdated: null,
  ...over,
});

export const settings = (over: Partial<SyncSettings> = {}): SyncSettings => ({
  externalXRef: "psa-sync:t1:42",
  boardId: 1,
  defaultCompanyId: 999,
  priorityMap: { low: 4, normal: 3, high: 2, urgent: 1, none: 3 },
  statusMap: {
    new: { id: 10, closed: false },
    open: { id: 11, closed: false },
    pending: { id: 12, closed: false },
    hold: { id: 12, closed: false },
    solved: { id: 13, closed: true },
    closed: { id: 14, closed: true },
  },
  commentsPublic: true,
  portalUserId: OUR_PORTAL_USER,
  closedTicketActivity: "reopen",
  ...over,
});

const emptyMemory = (): TicketMemory => ({ cwTicketId: null, synced: {}, comments: [] });

export const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  portal: portalTicket(),
  comments: [comment(1, "Node 2 went offline after the update.")],
  cw: null,
  notes: [],
  memory: emptyMemory(),
  settings: settings(),
  match: { configurationId: 77, companyId: 300 },
  ...over,
});
