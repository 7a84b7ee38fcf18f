import { PORTAL_PRIORITIES, PORTAL_STATUSES } from "./model";

/** Every portal priority (and "none") and every portal status needs a ConnectWise value. */
export const MAPPED_PRIORITIES = [...PORTAL_PRIORITIES, "none"] as const;
export const MAPPED_STATUSES = PORTAL_STATUSES;

export interface SetupState {
  portalConnected: boolean;
  connectwiseConnected: boolean;
  boardId: number | null;
  defaultCompanyId: number | null;
  /** Portal values that have a mapping. */
  mappedPriorities: string[];
  mappedStatuses: string[];
}

/**
 * What is still missing before a tenant may sync (docs/design.md, Lifecycle: "Setup first"), in the
 * order an admin fixes it; empty when setup is complete. A run before that would plan
 * nothing yet move its cursors past every request.
 */
function setupMissing(s: SetupState): string[] {
  const missing: string[] = [];
  if (!s.portalConnected) missing.push("connect the Support Portal");
  if (!s.connectwiseConnected) missing.push("connect ConnectWise");
  if (s.boardId === null) missing.push("choose a service board");
  if (s.defaultCompanyId === null) missing.push("choose the default (catch-all) company");
  const priorities = MAPPED_PRIORITIES.filter((p) => !s.mappedPriorities.includes(p));
  if (priorities.length) missing.push(`map portal priorities (${priorities.join(", ")})`);
  const statuses = MAPPED_STATUSES.filter((p) => !s.mappedStatuses.includes(p));
  if (statuses.length) missing.push(`map portal statuses (${statuses.join(", ")})`);
  return missing;
}

/** "Setup incomplete: …" for dashboards, the status API and refused tasks; null when complete. */
export function setupIncompleteMessage(s: SetupState): string | null {
  const missing = setupMissing(s);
  return missing.length ? `Setup incomplete: ${missing.join("; ")}` : null;
}
