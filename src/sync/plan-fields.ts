import type { CwTicket, JsonPatchOp, PortalTicket } from "../domain/model";
import type { Operation, Plan, PlanInput, SyncedFields, SyncSettings, Warning } from "./plan-types";
import { standingRefusals } from "./refusals";
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

/** A ticket on the catch-all company says why: no ClusterID, or one that matches nothing (yet). */
function clusterWarning(portal: PortalTicket, input: PlanInput, warnings: Warning[]): void {
  if (!portal.clusterId) {
    warnings.push({
      code: "missing_cluster",
      message: "The request has no ClusterID; the ticket is on the default company. Ask the customer for it, or move the ticket in ConnectWise.",
    });
  } else if (!input.match) {
    warnings.push({
      code: "unmatched_cluster",
      message: `ClusterID "${portal.clusterId}" matches no ConnectWise configuration; the ticket is on the default company. Add a configuration with it in ConnectWise: the ticket moves on its next sync.`,
    });
  }
}

const onAnotherBoard = (cw: CwTicket, settings: SyncSettings) => settings.boardId !== null && cw.board !== null && cw.board.id !== settings.boardId;

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
    clusterMatchId: match?.configurationId ?? 0,
    ...(priorityId !== undefined ? { priority: priorityKey(portal) } : {}),
    ...(statusId !== undefined ? { status: portal.status } : {}),
  };
  return { ops, warnings, synced };
}

/**
 * Field changes on an existing CW ticket, recorded into `synced`. Change-driven: a field is
 * pushed only when its portal value changed since the last sync, so a technician's edit in
 * CW is not fought. `portalActivity` (a new portal comment to mirror) reopens a ticket
 * closed in CW, unless the tenant chose to leave it closed.
 */
export function planFields(input: PlanInput, cw: CwTicket, warnings: Warning[], synced: SyncedFields, portalActivity: boolean): Operation[] {
  const { portal, settings, match } = input;
  const patch: JsonPatchOp[] = [];
  const fields: string[] = [];
  const ops: Operation[] = [];
  const reasons: string[] = [];
  const standing = standingRefusals(synced, portal);
  if (standing.refused) synced.refused = standing.refused;
  else delete synced.refused;
  warnings.push(...standing.warnings);

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

  const target = settings.statusMap[portal.status];
  const reopens =
    cw.closedFlag && target !== undefined && !target.closed && !onAnotherBoard(cw, settings) && (portalActivity || synced.status !== portal.status);
  if (reopens && settings.closedTicketActivity === "warn") {
    warnings.push({
      code: "cw_closed",
      message: `The ConnectWise ticket is closed, and the portal request has new activity (status "${portal.status}"): it was left closed, as Advanced Settings say. Reopen it in ConnectWise, or choose "reopen" there.`,
    });
  } else if (reopens && synced.status === portal.status) {
    patch.push({ op: "replace", path: "status", value: { id: target.id } });
    fields.push("status");
    reasons.push(`reopened: new portal activity on a ticket closed in ConnectWise (portal status "${portal.status}")`);
  } else if (synced.status !== portal.status) {
    const id = mappedStatus(portal, settings, warnings);
    if (reopens) reasons.push(`reopened: the portal status changed to "${portal.status}" on a ticket closed in ConnectWise`);
    if (id !== undefined && onAnotherBoard(cw, settings)) {
      // A technician moved it: statuses belong to a board, so the mapping does not apply
      // there, and the sync never moves it back. Still pending: applied if it returns.
      warnings.push({
        code: "other_board",
        message: `The ConnectWise ticket is on board "${cw.board?.name ?? cw.board?.id}", not the tenant's board: portal status "${portal.status}" was not applied (statuses belong to a board). Everything else keeps syncing; move it back in ConnectWise to sync its status again.`,
      });
    } else if (id !== undefined) {
      if (cw.status?.id !== id) {
        patch.push({ op: "replace", path: "status", value: { id } });
        fields.push("status");
      }
      synced.status = portal.status;
    }
  }

  const clusterId = portal.clusterId ?? "";
  clusterWarning(portal, input, warnings);
  if (synced.clusterId !== clusterId) {
    const companyId = match?.companyId ?? settings.defaultCompanyId;
    if (companyId !== null && cw.company?.id !== companyId) {
      patch.push({ op: "replace", path: "company", value: { id: companyId } });
      fields.push("company");
    }
    if (match) ops.push({ kind: "attach_configuration", configurationId: match.configurationId });
    synced.clusterId = clusterId;
    synced.clusterMatchId = match?.configurationId ?? 0;
  } else if (match && !synced.clusterMatchId) {
    if (synced.clusterMatchId === undefined && cw.company?.id === match.companyId) {
      // Remembered before matches were: it was matched at the time.
      synced.clusterMatchId = match.configurationId;
    } else {
      // Matched later (the configuration was added in ConnectWise after the ticket went to
      // the catch-all company): move it, unless a technician has moved it elsewhere already.
      const reason = `ClusterID "${clusterId}" now matches configuration #${match.configurationId}, so the ticket moves from the default company to its owner`;
      if (cw.company?.id === settings.defaultCompanyId && cw.company?.id !== match.companyId) {
        patch.push({ op: "replace", path: "company", value: { id: match.companyId } });
        fields.push("company");
        reasons.push(reason);
      }
      ops.push({ kind: "attach_configuration", configurationId: match.configurationId, reason });
      synced.clusterMatchId = match.configurationId;
    }
  }

  if (patch.length > 0) ops.unshift({ kind: "update_cw_ticket", patch, fields, ...(reasons.length ? { reason: reasons.join("; ") } : {}) });
  return ops;
}
