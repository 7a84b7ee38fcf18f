import type { CwTicket, JsonPatchOp, PortalTicket } from "./model";
import type { Operation, Plan, PlanInput, SyncedFields, SyncSettings, Warning } from "./plan-types";
import { contentHash, initialDescriptionFor, summaryFor } from "./text";

const priorityKey = (t: PortalTicket) => t.priority ?? "none";

function mappedPriority(portal: PortalTicket, settings: SyncSettings, warnings: Warning[]): number | undefined {
  const id = settings.priorityMap[priorityKey(portal)];
  if (id === undefined) {
    warnings.push({
      code: "unmapped_priority",
      message: `Portal priority "${priorityKey(portal)}" has no ConnectWise priority. Map it in Advanced Settings.`,
    });
  }
  return id;
}

function mappedStatus(portal: PortalTicket, settings: SyncSettings, warnings: Warning[]): number | undefined {
  const target = settings.statusMap[portal.status];
  if (!target) {
    warnings.push({ code: "unmapped_status", message: `Portal status "${portal.status}" has no ConnectWise status. Map it in Advanced Settings.` });
    return undefined;
  }
  if ((portal.status === "solved" || portal.status === "closed") && !target.closed) {
    warnings.push({
      code: "status_not_closed",
      message: `Portal status "${portal.status}" maps to a ConnectWise status that is not closed. Choose a closed status in Advanced Settings.`,
    });
  }
  return target.id;
}

function clusterWarning(portal: PortalTicket, input: PlanInput, warnings: Warning[]): void {
  if (portal.clusterId && !input.match) {
    warnings.push({
      code: "unmatched_cluster",
      message: `ClusterID "${portal.clusterId}" matches no ConnectWise configuration; the ticket is on the default company.`,
    });
  }
}

/** First sync of a portal ticket: create the CW ticket (found again by externalXRef on retry). */
export function planCreate(input: PlanInput, warnings: Warning[]): Plan {
  const { portal, settings, match } = input;
  const companyId = match?.companyId ?? settings.defaultCompanyId;
  if (settings.boardId === null) warnings.push({ code: "no_board", message: "No ConnectWise service board is set. Choose one in Advanced Settings." });
  if (companyId === null) {
    warnings.push({ code: "no_company", message: "No default (catch-all) company is set, and the ClusterID matched none. Choose one in Advanced Settings." });
  }
  if (settings.boardId === null || companyId === null) return { ops: [], warnings, synced: input.memory.synced };

  clusterWarning(portal, input, warnings);
  const { summary, truncated } = summaryFor(portal.subject);
  const priorityId = mappedPriority(portal, settings, warnings);
  const statusId = mappedStatus(portal, settings, warnings);
  const ops: Operation[] = [
    {
      kind: "create_cw_ticket",
      create: {
        summary,
        initialDescription: initialDescriptionFor(portal.subject, portal.description, truncated, portal.id),
        boardId: settings.boardId,
        companyId,
        statusId,
        priorityId,
        externalXRef: settings.externalXRef,
      },
    },
  ];
  if (match) ops.push({ kind: "attach_configuration", configurationId: match.configurationId });
  const synced: SyncedFields = {
    subjectHash: contentHash(portal.subject),
    clusterId: portal.clusterId ?? "",
    ...(priorityId !== undefined ? { priority: priorityKey(portal) } : {}),
    ...(statusId !== undefined ? { status: portal.status } : {}),
  };
  return { ops, warnings, synced };
}

/**
 * Field changes on an existing CW ticket. Change-driven: a field is pushed only when its
 * portal value changed since the last sync, so a technician's edit in CW is not fought.
 */
export function planFields(input: PlanInput, cw: CwTicket, warnings: Warning[]): { ops: Operation[]; synced: SyncedFields } {
  const { portal, memory, settings, match } = input;
  const synced: SyncedFields = { ...memory.synced };
  const patch: JsonPatchOp[] = [];
  const fields: string[] = [];
  const ops: Operation[] = [];

  const subjectHash = contentHash(portal.subject);
  if (synced.subjectHash !== subjectHash) {
    const { summary } = summaryFor(portal.subject);
    if (summary !== cw.summary) {
      patch.push({ op: "replace", path: "summary", value: summary });
      fields.push("summary");
    }
    synced.subjectHash = subjectHash;
  }

  if (synced.priority !== priorityKey(portal)) {
    const id = mappedPriority(portal, settings, warnings);
    if (id !== undefined) {
      if (cw.priority?.id !== id) {
        patch.push({ op: "replace", path: "priority", value: { id } });
        fields.push("priority");
      }
      synced.priority = priorityKey(portal);
    }
  }

  if (synced.status !== portal.status) {
    const id = mappedStatus(portal, settings, warnings);
    if (id !== undefined) {
      if (cw.status?.id !== id) {
        patch.push({ op: "replace", path: "status", value: { id } });
        fields.push("status");
      }
      synced.status = portal.status;
    }
  }

  const clusterId = portal.clusterId ?? "";
  if (synced.clusterId !== clusterId) {
    clusterWarning(portal, input, warnings);
    const companyId = match?.companyId ?? settings.defaultCompanyId;
    if (companyId !== null && cw.company?.id !== companyId) {
      patch.push({ op: "replace", path: "company", value: { id: companyId } });
      fields.push("company");
    }
    if (match) ops.push({ kind: "attach_configuration", configurationId: match.configurationId });
    synced.clusterId = clusterId;
  } else if (portal.clusterId && !match) {
    clusterWarning(portal, input, warnings);
  }

  if (patch.length > 0) ops.unshift({ kind: "update_cw_ticket", patch, fields });
  return { ops, synced };
}
