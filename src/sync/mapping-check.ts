import type { CwStatus } from "../domain/model";

export interface MappedStatus {
  portalValue: string;
  cwStatusId: number;
  cwStatusName: string;
}

/**
 * Whether the tenant's status mapping still points at statuses of its board. A status
 * deleted or deactivated in ConnectWise would otherwise fail every ticket that needs it,
 * one by one; this names the problem once, with the fix. `statuses` null: the board is gone.
 */
export function statusMappingProblem(boardId: number, mapped: MappedStatus[], statuses: CwStatus[] | null): string | null {
  const fix = "Choose another status under Settings → Advanced Settings and save, then replay the tickets listed under Failures.";
  if (statuses === null)
    return `The ConnectWise board (id ${boardId}) chosen in Advanced Settings no longer exists. Choose a board under Settings → Advanced Settings and save.`;
  const byId = new Map(statuses.map((s) => [s.id, s]));
  const broken = mapped
    .map((m) => ({ m, status: byId.get(m.cwStatusId) }))
    .filter(({ status }) => !status || status.inactive)
    .map(({ m, status }) => `"${m.portalValue}" → "${m.cwStatusName}" (${status ? "inactive" : "deleted"})`);
  if (broken.length === 0) return null;
  return `ConnectWise board statuses used by the status mapping were deleted or deactivated: ${broken.join(", ")}. ${fix}`;
}
