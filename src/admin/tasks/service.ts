import { startTenantRun } from "../../cron/dispatch";
import { nowIso, type Db } from "../../db/client";
import { audit, auditStatement } from "../../db/queries/audit";
import { setupIncomplete } from "../../db/queries/configuration";
import { loadTenantStatus, requestResyncStatement, setPausedStatement } from "../../db/queries/tenants-admin";
import { AppError, FieldErrors } from "../../lib/errors";
import type { Logger } from "../../lib/log";
import { BULK_RESYNC_LIMIT, type BulkResyncFilter, type TenantStatus } from "../../schemas/accounts";
import { forgetPushedMappings, getTicketLink, linkedIds, linksMatching, requestResync } from "../../db/queries/ticket-links";
import { unlinkedRequestRefusal } from "../../sync/portal-identity";
import { takeTaskAllowance } from "./limits";
import type { Actor } from "../../domain/actor";
import { eq } from "drizzle-orm";
import { tenants } from "../../db/schema";
import { alertDestinationProblem } from "../../alerts/attention";
import { ensureConnectWiseCallback, type CallbackState } from "../../webhooks/hook-addresses";

/** Admin tasks shared by the pages and /api/v1: sync now, resync one ticket, pause/resume. */

/** A task done: the run it queued, or the one in progress that covers it. Refusals are thrown AppErrors. */
export interface TaskResult {
  runId: string;
  status: "queued" | "skipped";
  code: TaskCode;
  /** Plain words for the flash message or the API response. */
  message: string;
}

const BUSY =
  "A sync is already running for this tenant, so this one was recorded as skipped; the changes will be picked up when it finishes or on the next run.";

/** Plain-language outcomes, by code: the pages redirect with `?done=<code>`, the API returns the text. */
export const TASK_MESSAGES = {
  "sync-queued": "Sync started. It usually takes a minute or two; see Runs for progress.",
  "sync-skipped": BUSY,
  "resync-queued": "The ticket will be synced again in full by the run just started.",
  "resync-skipped": `The ticket is marked for a full resync. ${BUSY}`,
  "bulk-resync-queued": "The selected tickets will be synced again in full by the run just started (tickets deleted in ConnectWise are created again).",
  "bulk-resync-none": "No ticket matched: nothing to resync.",
  "mappings-applied": "The current mappings are being applied to every open linked ticket by the run just started.",
  paused: "Syncing is paused: no scheduled runs until you resume. Changes made meanwhile are picked up after resuming.",
  resumed: "Syncing resumed: the next scheduled run picks up everything changed while paused.",
} as const;
export type TaskCode = keyof typeof TASK_MESSAGES;

async function assertRunnable(db: Db, tenantId: string) {
  const [status, setup] = await Promise.all([loadTenantStatus(db, tenantId), setupIncomplete(db, tenantId)]);
  if (!status) throw new AppError("not_found", "Tenant not found");
  if (status.status !== "active") throw new AppError("conflict", "This tenant is disabled by the operator, so it cannot sync.");
  if (status.paused) throw new AppError("conflict", "Syncing is paused. Resume it first, then sync.");
  if (setup) throw new AppError("conflict", `${setup}. Nothing syncs until setup is complete.`);
}

export async function syncNow(env: Env, db: Db, tenantId: string, actor: Actor, logger: Logger): Promise<TaskResult> {
  await assertRunnable(db, tenantId);
  await takeTaskAllowance(env, tenantId, "sync");
  const run = await startTenantRun(env, tenantId, "manual", logger);
  await auditStatement(db, { tenantId, userId: actor.userId, action: "sync.requested", target: run.id, detail: `Sync now (${actor.via}): ${run.status}` });
  const code = run.status === "queued" ? "sync-queued" : "sync-skipped";
  return { runId: run.id, status: run.status, code, message: TASK_MESSAGES[code] };
}

/**
 * Flags the ticket for a full resync and starts a run. The flag survives a skipped run:
 * the next run picks it up. A request the platform has not linked yet is first checked
 * against the portal (it must be the connected user's), so no other provider's request
 * id is accepted; the ticket sync checks ownership again either way.
 */
export async function resyncTicket(env: Env, db: Db, tenantId: string, portalTicketId: number, actor: Actor, logger: Logger): Promise<TaskResult> {
  await assertRunnable(db, tenantId);
  await takeTaskAllowance(env, tenantId, "resync");
  if (!(await getTicketLink(db, tenantId, portalTicketId))) {
    const refusal = await unlinkedRequestRefusal(env, db, tenantId, portalTicketId);
    if (refusal) throw new AppError("not_found", refusal);
  }
  await db.batch([
    requestResyncStatement(db, tenantId, portalTicketId, nowIso()),
    auditStatement(db, {
      tenantId,
      userId: actor.userId,
      action: "ticket.resync_requested",
      target: String(portalTicketId),
      detail: `Resync requested (${actor.via})`,
    }),
  ]);
  const run = await startTenantRun(env, tenantId, "manual", logger);
  const code = run.status === "queued" ? "resync-queued" : "resync-skipped";
  return { runId: run.id, status: run.status, code, message: TASK_MESSAGES[code] };
}

/**
 * Flags every ticket the filter selects (at most BULK_RESYNC_LIMIT; `more` says when more
 * matched) for a full resync, and starts a run. Idempotent: flagging twice is flagging once.
 * A ticket whose ConnectWise ticket was deleted is created again, with its full history.
 */
export async function resyncTickets(
  env: Env,
  db: Db,
  tenantId: string,
  filter: BulkResyncFilter,
  actor: Actor,
  logger: Logger,
): Promise<TaskResult & { flagged: number; more: boolean }> {
  await assertRunnable(db, tenantId);
  await takeTaskAllowance(env, tenantId, "resync");
  const selected = filter.portalTicketIds ?? (await linksMatching(db, tenantId, filter, BULK_RESYNC_LIMIT + 1));
  const ids = [...new Set(selected)].slice(0, BULK_RESYNC_LIMIT);
  const more = selected.length > BULK_RESYNC_LIMIT;
  if (filter.portalTicketIds) {
    // Listed ids must be linked already: checking unknown ones against the portal would cost
    // a call each, so they are refused (resync one on its own to have it checked).
    const linked = await linkedIds(db, tenantId, ids);
    const unknown = ids.filter((id) => !linked.has(id));
    if (unknown.length) {
      throw new AppError(
        "not_found",
        `${unknown.length} of the listed tickets (${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ", …" : ""}) are not linked tickets of this tenant, so nothing was flagged. Resync a request not linked yet on its own: it is checked against the portal first.`,
      );
    }
  }
  await requestResync(db, tenantId, ids);
  const what = filter.portalTicketIds
    ? "listed tickets"
    : [filter.warning ? `warning ${filter.warning}` : null, filter.state ? `state ${filter.state}` : null].filter(Boolean).join(", ");
  await auditStatement(db, {
    tenantId,
    userId: actor.userId,
    action: "tickets.resync_requested",
    target: `${ids.length} tickets`,
    detail: `Bulk resync (${actor.via}): ${what}; ${ids.length} flagged${more ? ", more matched" : ""}`,
  });
  const run = ids.length > 0 ? await startTenantRun(env, tenantId, "manual", logger) : null;
  const message =
    ids.length === 0
      ? "No ticket matched: nothing to resync."
      : `${ids.length} ticket(s) will be synced again in full${more ? ` (the first ${BULK_RESYNC_LIMIT}; run it again for the rest)` : ""}. ${run?.status === "queued" ? "A run has started." : TASK_MESSAGES["sync-skipped"]}`;
  const code = !run ? "bulk-resync-none" : run.status === "queued" ? "bulk-resync-queued" : "resync-skipped";
  return { runId: run?.id ?? "", status: run?.status ?? "skipped", code, message, flagged: ids.length, more };
}

/**
 * Applies the current priority and status mappings to every open linked ticket, on request
 * only (mapping changes never rewrite tickets silently; a technician's edits are kept
 * until then). Flags them and starts a run.
 */
export async function applyMappingsToOpenTickets(env: Env, db: Db, tenantId: string, actor: Actor, logger: Logger): Promise<TaskResult & { flagged: number }> {
  await assertRunnable(db, tenantId);
  await takeTaskAllowance(env, tenantId, "resync");
  const flagged = await forgetPushedMappings(db, tenantId);
  await auditStatement(db, {
    tenantId,
    userId: actor.userId,
    action: "mappings.applied",
    target: `${flagged} tickets`,
    detail: `Mappings applied to open tickets (${actor.via}): ${flagged} flagged`,
  });
  const run = await startTenantRun(env, tenantId, "manual", logger);
  const code = run.status === "queued" ? "mappings-applied" : "resync-skipped";
  const message = `${flagged} open ticket(s) get the mapped priority and status on the ${run.status === "queued" ? "run just started" : "next run"}.`;
  return { runId: run.id, status: run.status, code, message, flagged };
}

export async function setPaused(db: Db, tenantId: string, paused: boolean, actor: Actor): Promise<"paused" | "resumed"> {
  await db.batch([
    setPausedStatement(db, tenantId, paused, nowIso()),
    auditStatement(db, { tenantId, userId: actor.userId, action: paused ? "tenant.paused" : "tenant.resumed", detail: `(${actor.via})` }),
  ]);
  return paused ? "paused" : "resumed";
}

/**
 * Registers (or re-enables) the ConnectWise callback that pushes ticket changes. ConnectWise
 * refusing it (or not answering) is shown to the admin as a conflict, with its reason.
 */
export async function registerCallbacks(env: Env, db: Db, tenantId: string, publicOrigin: string, actor: Actor): Promise<CallbackState> {
  const result = await ensureConnectWiseCallback(env, db, tenantId, publicOrigin).catch((err: unknown) => {
    throw err instanceof AppError ? new AppError("conflict", `Could not register the ConnectWise callback: ${err.message}`) : err;
  });
  await audit(db, {
    tenantId,
    userId: actor.userId,
    action: "callbacks.registered",
    target: String(result.id),
    detail: `ConnectWise callback ${result.state}`,
  });
  return result.state;
}

/** The alert webhook (null: none): told once when syncing needs attention and once when it recovers. */
export async function saveAlertWebhook(env: Env, db: Db, tenantId: string, url: string | null, ownOrigin: string, actor: Actor): Promise<void> {
  const refused = url ? alertDestinationProblem(env, url, ownOrigin) : null;
  if (refused) throw FieldErrors.of({ alertWebhookUrl: refused });
  await db.batch([
    db.update(tenants).set({ alertWebhookUrl: url }).where(eq(tenants.id, tenantId)),
    auditStatement(db, {
      tenantId,
      userId: actor.userId,
      action: "alerts.saved",
      detail: url ? `Alert webhook set (${new URL(url).host})` : "Alert webhook removed",
    }),
  ]);
}

export async function describeTenantStatus(db: Db, tenantId: string): Promise<TenantStatus> {
  const [s, setup] = await Promise.all([loadTenantStatus(db, tenantId), setupIncomplete(db, tenantId)]);
  if (!s) throw new AppError("not_found", "Tenant not found");
  return {
    setupIncomplete: setup,
    paused: s.paused,
    needsAttention: s.attentionReason !== null,
    attentionReason: s.attentionReason,
    attentionSince: s.attentionSince,
    lastRun: s.lastRun,
  };
}
