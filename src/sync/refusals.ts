import type { PortalTicket } from "../domain/model";
import type { RefusableField, RefusedWrite, SyncedFields, Warning } from "./plan-types";
import { contentHash } from "./text";

/**
 * Field writes ConnectWise refuses as such (a status not on the ticket's board, a deleted
 * priority, …) do not stop the rest of a ticket (docs/design.md, Lifecycle: "Each operation on its own"):
 * each is remembered with the portal input it was for, warned about with the fix, and
 * tried again only when that input changes. Pure.
 */

/** The portal input behind each field: what must change before a refused write is tried again. */
function inputsOf(portal: PortalTicket): Record<RefusableField, string> {
  const cluster = portal.clusterId ?? "";
  return { summary: contentHash(portal.subject), priority: portal.priority ?? "none", status: portal.status, company: cluster, configuration: cluster };
}

const LABEL: Record<RefusableField, string> = {
  summary: "summary",
  priority: "priority",
  status: "status",
  company: "company",
  configuration: "configuration",
};
const FIX: Record<RefusableField, string> = {
  status: "Check that the mapped status still exists, is active and belongs to the ticket's board (Advanced Settings → status mapping).",
  priority: "Check the priority mapping in Advanced Settings: the ConnectWise priority may have been deleted or deactivated.",
  company: "Check the default company in Advanced Settings, and the company of the configuration the ClusterID matches.",
  configuration: "Check the configuration in ConnectWise: it may be inactive, deleted or of another company.",
  summary: "Shorten or edit the portal subject, or the summary in ConnectWise.",
};
const WHEN: Record<RefusableField, string> = { summary: "subject", priority: "priority", status: "status", company: "ClusterID", configuration: "ClusterID" };

function refusedWarning(field: RefusableField, r: RefusedWrite): Warning {
  return {
    code: "write_refused",
    message: `ConnectWise refused the ${LABEL[field]} write: "${r.message}". ${FIX[field]} It is tried again when the portal ${WHEN[field]} changes; everything else keeps syncing.`,
  };
}

/** Refusals still standing (their input unchanged) and their warnings; the others are dropped. */
export function standingRefusals(synced: SyncedFields, portal: PortalTicket): { refused: SyncedFields["refused"]; warnings: Warning[] } {
  const inputs = inputsOf(portal);
  const refused: NonNullable<SyncedFields["refused"]> = {};
  const warnings: Warning[] = [];
  for (const [field, r] of Object.entries(synced.refused ?? {}) as [RefusableField, RefusedWrite][]) {
    if (r.input !== inputs[field]) continue;
    refused[field] = r;
    warnings.push(refusedWarning(field, r));
  }
  return { refused: Object.keys(refused).length ? refused : undefined, warnings };
}

/** Remembers writes refused in this sync: the memory the planner keeps, and the warnings to show now. */
export function recordRefusals(synced: SyncedFields, portal: PortalTicket, refused: Partial<Record<RefusableField, string>>): Warning[] {
  const inputs = inputsOf(portal);
  const warnings: Warning[] = [];
  for (const [field, message] of Object.entries(refused) as [RefusableField, string][]) {
    const r = { input: inputs[field], message };
    synced.refused = { ...synced.refused, [field]: r };
    warnings.push(refusedWarning(field, r));
  }
  return warnings;
}
