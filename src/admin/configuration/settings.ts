import { eq } from "drizzle-orm";
import { tenants } from "../../db/schema";
import type { Db } from "../../db/client";
import { nowIso } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import { loadConfiguration, upsertPriorityStatement, upsertSettingsStatement, upsertStatusStatement, type Configuration } from "../../db/queries/configuration";
import { PRIORITY_KEYS, STATUS_KEYS, type MappingsInput, type SettingsInput } from "./schemas";
import { loadChoices, type Choices } from "./choices";
import type { ConfigurationActor } from "./connections";
import { FieldErrors } from "../../lib/errors";

/**
 * Saving Advanced Settings: every value checked against what ConnectWise offers now
 * (every portal value mapped, solved/closed to a closed status, statuses of the chosen
 * board), then settings, mappings and the audit entry written in one batch, or nothing
 * (`FieldErrors` by input path: `boardId`, `priorities.low`, `statuses.solved`, …).
 */

const MATCH_LABEL: Record<string, string> = { serialNumber: "serial number", name: "name", tagNumber: "tag number", deviceIdentifier: "device identifier" };
const CLOSED_LABEL: Record<string, string> = { reopen: "reopen it", warn: "leave it closed and warn" };
const dateOnly = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : "not set");

/** A human summary of what the next sync will do differently, old → new. */
function describeChanges(
  old: Configuration,
  next: { settings?: Resolved["settings"]; priorities?: Resolved["priorities"]; statuses?: Resolved["statuses"] },
): string[] {
  const out: string[] = [];
  const s = old.settings;
  const n = next.settings;
  if (n) {
    if (s?.boardId !== n.boardId) out.push(`Board: ${s?.boardName ?? "not set"} → ${n.boardName} (new tickets are created there)`);
    if (s?.defaultCompanyId !== n.defaultCompanyId)
      out.push(`Default company: ${s?.defaultCompanyName ?? "not set"} → ${n.defaultCompanyName} (tickets whose ClusterID matches nothing)`);
    if ((s?.matchField ?? "serialNumber") !== n.matchField)
      out.push(`ClusterID is matched against the configuration's ${MATCH_LABEL[n.matchField]} (was ${MATCH_LABEL[s?.matchField ?? "serialNumber"]})`);
    if ((s?.syncFrom ?? null) !== (n.syncFrom ?? null)) out.push(`Sync from: ${dateOnly(s?.syncFrom)} → ${dateOnly(n.syncFrom)} (first import only)`);
    if ((s?.syncOrganisation ?? false) !== n.syncOrganisation)
      out.push(
        n.syncOrganisation
          ? "Requests of your portal organisation's other users are synced too"
          : "Only requests made by the connected portal user are synced (not the rest of the organisation's)",
      );
    if ((s?.closedTicketActivity ?? "reopen") !== n.closedTicketActivity)
      out.push(
        `Portal activity on a ticket closed in ConnectWise: ${CLOSED_LABEL[n.closedTicketActivity]} (was ${CLOSED_LABEL[s?.closedTicketActivity ?? "reopen"]})`,
      );
  }
  for (const p of next.priorities ?? []) {
    const was = old.priorities.find((r) => r.portalValue === p.portalValue);
    if (was?.cwPriorityId !== p.cwPriorityId)
      out.push(`Priority ${p.portalValue === "none" ? "(none)" : p.portalValue}: ${was?.cwPriorityName ?? "unmapped"} → ${p.cwPriorityName}`);
  }
  for (const st of next.statuses ?? []) {
    const was = old.statuses.find((r) => r.portalValue === st.portalValue);
    if (was?.cwStatusId !== st.cwStatusId) out.push(`Status ${st.portalValue}: ${was?.cwStatusName ?? "unmapped"} → ${st.cwStatusName}`);
  }
  return out;
}

interface Resolved {
  settings?: {
    boardId: number;
    boardName: string;
    defaultCompanyId: number;
    defaultCompanyName: string;
    matchField: SettingsInput["matchField"];
    syncFrom: string | null;
    closedTicketActivity: SettingsInput["closedTicketActivity"];
    syncOrganisation: boolean;
  };
  priorities?: { portalValue: string; cwPriorityId: number; cwPriorityName: string }[];
  statuses?: { portalValue: string; cwStatusId: number; cwStatusName: string; cwStatusClosed: boolean }[];
}

/** Ids → names from the choices; a field error for anything ConnectWise does not offer. */
function resolve(
  config: Configuration,
  choices: Choices,
  input: { settings?: SettingsInput; mappings?: MappingsInput },
  errors: Record<string, string>,
): Resolved {
  const out: Resolved = {};
  if (input.settings) {
    const i = input.settings;
    const board = choices.boards.find((b) => b.id === i.boardId);
    const company = choices.companies.find((c) => c.id === i.defaultCompanyId);
    if (!board) errors.boardId = "Choose one of the ConnectWise boards listed";
    if (!company) errors.defaultCompanyId = "Choose one of the companies listed (search to find others)";
    if (board && company) {
      // The form shows a date only: the same date (or none) keeps the stored time, so syncFrom only moves on purpose.
      const stored = config.settings?.syncFrom ?? null;
      const syncFrom = !i.syncFrom || stored?.slice(0, 10) === i.syncFrom.slice(0, 10) ? stored : i.syncFrom;
      out.settings = {
        boardId: board.id,
        boardName: board.name,
        defaultCompanyId: company.id,
        defaultCompanyName: company.name,
        matchField: i.matchField,
        syncFrom,
        closedTicketActivity: i.closedTicketActivity,
        syncOrganisation: i.syncOrganisation,
      };
    }
  }
  if (input.mappings) {
    const m = input.mappings;
    out.priorities = [];
    for (const key of PRIORITY_KEYS) {
      const p = choices.priorities.find((c) => c.id === m.priorities[key]);
      if (!p) errors[`priorities.${key}`] = `Map portal priority "${key}" to one of the ConnectWise priorities listed`;
      else out.priorities.push({ portalValue: key, cwPriorityId: p.id, cwPriorityName: p.name });
    }
    out.statuses = [];
    for (const key of STATUS_KEYS) {
      const st = choices.statuses.find((c) => c.id === m.statuses[key]);
      if (!st) errors[`statuses.${key}`] = `Map portal status "${key}" to a status of the chosen board`;
      else if ((key === "solved" || key === "closed") && !st.closedStatus)
        errors[`statuses.${key}`] = `Portal "${key}" must map to a closed status; "${st.name}" is an open one`;
      else out.statuses.push({ portalValue: key, cwStatusId: st.id, cwStatusName: st.name, cwStatusClosed: st.closedStatus });
    }
  }
  return out;
}

export async function saveAdvancedSettings(
  env: Env,
  db: Db,
  actor: ConfigurationActor,
  input: { settings?: SettingsInput; mappings?: MappingsInput; companySearch?: string },
): Promise<{ changes: string[]; choices: Choices }> {
  const config = await loadConfiguration(db, actor.tenantId);
  const boardId = input.settings?.boardId ?? config.settings?.boardId ?? null;
  const choices = await loadChoices(env, config, { boardId, companySearch: input.companySearch });
  const errors: Record<string, string> = {};
  if (input.mappings && !input.settings && !config.settings?.boardId) errors.boardId = "Choose and save a board first: statuses belong to a board";
  if (boardId && choices.boardId !== boardId && choices.live) errors.boardId = "Choose one of the ConnectWise boards listed";
  const resolved = resolve(config, choices, input, errors);
  // Choices that could not be read live (ConnectWise unreachable) explain the refusal better than its fields.
  if (Object.keys(errors).length) throw FieldErrors.of(errors, "invalid_payload", choices.problem ?? undefined);

  const changes = describeChanges(config, resolved);
  // An earlier "sync from" date re-imports what lies before it: the portal listing starts
  // again from that date (links and externalXRef keep already-synced tickets from doubling).
  const oldFrom = config.settings?.syncFrom ?? null;
  const newFrom = resolved.settings?.syncFrom ?? null;
  const movedBack = newFrom !== null && (oldFrom === null || newFrom < oldFrom);
  const writes = [
    ...(movedBack ? [db.update(tenants).set({ portalCursor: null }).where(eq(tenants.id, actor.tenantId))] : []),
    ...(resolved.settings ? [upsertSettingsStatement(db, actor.tenantId, { ...resolved.settings, updatedAt: nowIso() })] : []),
    ...(resolved.priorities ?? []).map((p) => upsertPriorityStatement(db, { tenantId: actor.tenantId, ...p })),
    ...(resolved.statuses ?? []).map((s) => upsertStatusStatement(db, { tenantId: actor.tenantId, ...s })),
    // The next run checks the (new) mapping against the board at once, not within the hour.
    upsertSettingsStatement(db, actor.tenantId, { boardCheckedAt: null }),
  ];
  await db.batch([
    auditStatement(db, {
      tenantId: actor.tenantId,
      userId: actor.userId,
      action: "settings.saved",
      target: "advanced-settings",
      detail: changes.length ? changes.join("; ").slice(0, 2000) : "No changes",
    }),
    ...writes,
  ]);
  return { changes, choices };
}
