import { isNull } from "drizzle-orm";
import type { ConnectWiseClient } from "../connectors/types";
import type { Db } from "../db/client";
import { priorityMappings, statusMappings, tenantSettings } from "../db/schema";
import type { PortalPriority, PortalStatus } from "../domain/model";

/** The demo's Advanced Settings, by ConnectWise names (ids are looked up in the sandbox). */
const BOARD = "Easy Connect Support";
const CATCH_ALL = "Acme MSP Catch-All";
const PRIORITIES: Record<PortalPriority | "none", string> = {
  urgent: "Priority 1 - Emergency Response",
  high: "Priority 2 - Quick Response",
  normal: "Priority 3 - Normal Response",
  none: "Priority 3 - Normal Response",
  low: "Priority 4 - Schedule Maintenance",
};
const STATUSES: Record<PortalStatus, string> = {
  new: "New",
  open: "In Progress",
  pending: "Waiting on Customer",
  hold: "Waiting on Customer",
  solved: "Resolved",
  closed: "Closed",
};

function byName<T extends { name: string }>(items: T[], name: string, what: string): T {
  const found = items.find((i) => i.name === name);
  if (!found) throw new Error(`Demo setup: no ConnectWise ${what} named "${name}"`);
  return found;
}

/**
 * Sets the demo tenant's board, catch-all company and mappings from what ConnectWise
 * offers. Idempotent: existing mappings (an admin's changes) are kept.
 */
export async function applyDemoSettings(db: Db, tenantId: string, cw: ConnectWiseClient): Promise<void> {
  const board = byName(await cw.listBoards(), BOARD, "board");
  const statuses = await cw.listBoardStatuses(board.id);
  const priorities = await cw.listPriorities();
  const company = byName(await cw.listCompanies({ search: CATCH_ALL, pageSize: 10 }), CATCH_ALL, "company");
  const priorityRows = Object.entries(PRIORITIES).map(([portalValue, name]) => {
    const p = byName(priorities, name, "priority");
    return db.insert(priorityMappings).values({ tenantId, portalValue, cwPriorityId: p.id, cwPriorityName: p.name }).onConflictDoNothing();
  });
  const statusRows = Object.entries(STATUSES).map(([portalValue, name]) => {
    const s = byName(statuses, name, "status");
    return db
      .insert(statusMappings)
      .values({ tenantId, portalValue, cwStatusId: s.id, cwStatusName: s.name, cwStatusClosed: s.closedStatus })
      .onConflictDoNothing();
  });
  await db.batch([
    db
      .insert(tenantSettings)
      .values({ tenantId, boardId: board.id, boardName: board.name, defaultCompanyId: company.id, defaultCompanyName: company.name })
      .onConflictDoUpdate({
        target: tenantSettings.tenantId,
        set: { boardId: board.id, boardName: board.name, defaultCompanyId: company.id, defaultCompanyName: company.name },
        // Only fill in what was never chosen: an admin's board stays.
        setWhere: isNull(tenantSettings.boardId),
      }),
    ...priorityRows,
    ...statusRows,
  ]);
}
