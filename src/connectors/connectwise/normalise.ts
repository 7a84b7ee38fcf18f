import type { CwConfiguration, CwNote, CwStatus, CwTicket, Ref } from "../../domain/model";
import { classify, type Classification } from "../classify";
import { plainTextMessage, type UpstreamErrorInfo } from "../http";
import { errorBodySchema, type WireConfiguration, type WireNote, type WireRef, type WireTicket } from "./schemas";

/**
 * CW references name things with `name` (boards, statuses, priorities) or `identifier`
 * (companies, members); either becomes `Ref.name`, the display name winning when both exist.
 */
function toRef(ref: WireRef): Ref | null {
  if (!ref || typeof ref.id !== "number") return null;
  return { id: ref.id, name: ref.name ?? ref.identifier ?? "" };
}

export function toCwTicket(t: WireTicket): CwTicket {
  return {
    id: t.id,
    summary: t.summary ?? "",
    board: toRef(t.board),
    status: toRef(t.status),
    priority: toRef(t.priority),
    company: toRef(t.company),
    externalXRef: t.externalXRef ?? null,
    closedFlag: t.closedFlag ?? false,
    mergedParentTicketId: t.mergedParentTicket?.id ?? null,
    lastUpdated: t._info?.lastUpdated ?? t._info?.dateEntered ?? "",
    enteredBy: t._info?.enteredBy ?? null,
  };
}

export function toCwNote(n: WireNote): CwNote {
  return {
    id: n.id,
    text: n.text ?? "",
    detailDescriptionFlag: n.detailDescriptionFlag ?? false,
    internalAnalysisFlag: n.internalAnalysisFlag ?? false,
    resolutionFlag: n.resolutionFlag ?? false,
    createdBy: n.createdBy ?? null,
    dateCreated: n.dateCreated ?? n._info?.dateEntered ?? "",
    lastUpdated: n._info?.lastUpdated ?? null,
  };
}

export function toCwConfiguration(c: WireConfiguration): CwConfiguration {
  return { id: c.id, name: c.name ?? "", company: toRef(c.company) };
}

export function toNamed(r: { id: number; name?: string | null; identifier?: string | null }): Ref {
  return { id: r.id, name: r.name ?? r.identifier ?? "" };
}

export function toCwStatus(s: { id: number; name?: string | null; closedStatus?: boolean | null; inactive?: boolean | null }): CwStatus {
  return { id: s.id, name: s.name ?? "", closedStatus: s.closedStatus ?? false, inactive: s.inactive ?? false };
}

const CW_ERRORS: Classification = {
  byCode: {
    Unauthorized: "not authorised",
    NotFound: "not found",
    InvalidObject: "refused as invalid",
    InvalidField: "a field value was refused",
    MissingRequiredField: "a required field is missing",
    ObjectExists: "it already exists",
    InvalidStatus: "the status is not allowed there",
    UnexpectedError: "ConnectWise had an unexpected error",
  },
  byPhrase: [
    [/^Cannot route/i, "Cannot route the request: the codebase or company id is wrong"],
    [/clientid/i, "the clientId was refused"],
  ],
};

/** CW's `{code, message, errors[]}` or a plain-text routing error, classified (classify.ts). */
export function describeConnectWiseError(body: unknown, text: string, contentType: string): UpstreamErrorInfo {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success || body === null) return { message: classify(CW_ERRORS, [], [], plainTextMessage(text, contentType)), codes: [] };
  const b = parsed.data;
  const codes = [b.code ?? b.error, ...(b.errors ?? []).map((e) => e.code)].filter((c): c is string => typeof c === "string" && c !== "");
  const fields = (b.errors ?? []).map((e) => e.field);
  return { message: classify(CW_ERRORS, codes, fields, b.message ?? null), codes };
}
