import { z } from "zod";
import { apiBase, refWithHref } from "./context";
import { isObject, type JsonObject } from "./json";
import { defaultStatus, priorityRef, refInput, resolveBoard, resolveCompany, resolvePriority, resolveStatus } from "./refs";
import type { Store } from "./store";

const level = z.enum(["Low", "Medium", "High"]);
const text = (max: number) => z.string().max(max).nullable().optional();

/** The Ticket fields the emulator stores; `summary` and `company` are required as in the spec. */
export const ticketInput = z.object({
  summary: z.string().min(1).max(100),
  company: refInput,
  recordType: z.enum(["ServiceTicket", "ProjectTicket", "ProjectIssue"]).nullable().optional(),
  board: refInput.nullable().optional(),
  status: refInput.nullable().optional(),
  priority: refInput.nullable().optional(),
  externalXRef: text(100),
  severity: level.nullable().optional(),
  impact: level.nullable().optional(),
  contactName: text(62),
  contactEmailAddress: text(250),
  contactPhoneNumber: text(20),
  siteName: text(156),
  poNumber: text(50),
  requiredDate: z.string().nullable().optional(),
  budgetHours: z.number().nullable().optional(),
  customerUpdatedFlag: z.boolean().nullable().optional(),
  automaticEmailContactFlag: z.boolean().nullable().optional(),
  automaticEmailResourceFlag: z.boolean().nullable().optional(),
  integratorTags: z.array(z.string()).nullable().optional(),
  // Write-only: turned into notes or flags, never stored on the ticket.
  initialDescription: z.string().optional(),
  initialInternalAnalysis: z.string().optional(),
  initialResolution: z.string().optional(),
  processNotifications: z.boolean().optional(),
  skipCallback: z.boolean().optional(),
});
export type TicketInput = z.infer<typeof ticketInput>;

const WRITE_ONLY = new Set(["initialDescription", "initialInternalAnalysis", "initialResolution", "processNotifications", "skipCallback"]);
/** Top-level fields a JSON Patch may touch. */
export const PATCHABLE = new Set(Object.keys(ticketInput.shape).filter((k) => !WRITE_ONLY.has(k)));
export const REFERENCE_FIELDS = new Set(["company", "board", "status", "priority"]);

/** The writable view of a stored ticket, which PATCH edits and re-validates as a whole. */
export function writableView(doc: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of PATCHABLE) if (doc[key] !== undefined) out[key] = doc[key];
  return out;
}

const defaultBoardId = (store: Store): number | null => {
  const boards = store.list("cw_boards").filter((b) => b.inactiveFlag !== true);
  const id = boards[0]?.id;
  return typeof id === "number" ? id : null;
};

/**
 * Builds the stored ticket from validated input (POST, PUT, or PATCH after applying the
 * operations). References resolve by id or name; the status must belong to the board;
 * `closedFlag` follows the status's `closedStatus`.
 */
export function buildTicket(store: Store, input: TicketInput, existing: JsonObject | null, now: string, member: string): JsonObject {
  const boardRef = input.board ?? (defaultBoardId(store) !== null ? { id: defaultBoardId(store) } : null);
  const board = boardRef ? resolveBoard(store, boardRef, "ticket") : null;
  const boardId = typeof board?.id === "number" ? board.id : -1;
  const status = input.status ? resolveStatus(store, boardId, input.status, "ticket") : defaultStatus(store, boardId);
  const defaultPriority = store.list("cw_priorities").find((p) => p.defaultFlag === true);
  const priority = input.priority ? resolvePriority(store, input.priority, "ticket") : defaultPriority ? priorityRef(defaultPriority) : null;
  const wasClosed = existing?.closedFlag === true;
  const closed = status?.closed ?? false;
  const { initialDescription: _d, initialInternalAnalysis: _i, initialResolution: _r, processNotifications: _p, skipCallback: _s, ...fields } = input;
  return {
    ...(fields as JsonObject),
    summary: input.summary,
    recordType: input.recordType ?? "ServiceTicket",
    board,
    status: status?.ref ?? null,
    company: resolveCompany(store, input.company, "ticket"),
    priority,
    severity: input.severity ?? "Medium",
    impact: input.impact ?? "Medium",
    externalXRef: input.externalXRef ?? null,
    closedFlag: closed,
    closedDate: closed ? (wasClosed ? (existing?.closedDate ?? now) : now) : null,
    closedBy: closed ? (wasClosed ? (existing?.closedBy ?? member) : member) : null,
  };
}

/** The ticket as CW returns it: reference objects and `_info` carry hrefs. */
export function serializeTicket(doc: JsonObject, site: string): JsonObject {
  const base = apiBase(site);
  const ref = (v: unknown) => (isObject(v) ? v : null);
  const board = ref(doc.board);
  const status = ref(doc.status);
  const id = String(doc.id);
  return {
    ...doc,
    board: refWithHref(board, "board", board ? `${base}/service/boards/${String(board.id)}` : null),
    status: refWithHref(status, "status", board && status ? `${base}/service/boards/${String(board.id)}/statuses/${String(status.id)}` : null),
    company: refWithHref(ref(doc.company), "company", `${base}/company/companies/${String(ref(doc.company)?.id)}`),
    priority: refWithHref(ref(doc.priority), "priority", `${base}/service/priorities/${String(ref(doc.priority)?.id)}`),
    _info: {
      ...(ref(doc._info) ?? {}),
      activities_href: `${base}/sales/activities?conditions=ticket/id=${id}`,
      scheduleentries_href: `${base}/schedule/entries?conditions=type/id=4 AND objectId=${id}`,
      documents_href: `${base}/system/documents?recordType=Ticket&recordId=${id}`,
      configurations_href: `${base}/service/tickets/${id}/configurations`,
      tasks_href: `${base}/service/tickets/${id}/tasks`,
      notes_href: `${base}/service/tickets/${id}/notes`,
      products_href: `${base}/procurement/products?conditions=chargeToType="Ticket" AND chargeToId=${id}`,
      timeentries_href: `${base}/time/entries?conditions=(chargeToType="ServiceTicket" OR chargeToType="ProjectTicket") AND chargeToId=${id}`,
      expenseEntries_href: `${base}/expense/entries?conditions=(chargeToType="ServiceTicket" OR chargeToType="ProjectTicket") AND chargeToId=${id}`,
    },
  };
}
