import { startTenantRun } from "../cron/dispatch";
import { createDb, nowIso, type Db } from "../db/client";
import { auditStatement } from "../db/queries/audit";
import { loadTenantStatus, requestResyncStatement, setPausedStatement } from "../db/queries/tenants-admin";
import { AppError } from "../lib/errors";
import type { Logger } from "../lib/log";
import type { TenantStatus } from "../schemas/accounts";

/** Admin tasks shared by the pages and /api/v1: sync now, resync one ticket, pause/resume. */

/** Who asked: a signed-in user, or an API token (recorded in the audit detail). */
export interface Actor {
  userId: string | null;
  /** "admin" (a page) or "API token tok_…", for the audit log. */
  via: string;
}

export interface TaskResult {
  runId: string;
  status: "queued" | "skipped";
  code: TaskCode;
  /** Plain words for the flash message or the API response. */
  message: string;
}

const BUSY = "A sync is already running for this tenant, so this one was recorded as skipped; the changes will be picked up when it finishes or on the next run.";

/** Plain-language outcomes, by code: the pages redirect with `?done=<code>`, the API returns the text. */
export const TASK_MESSAGES = {
  "sync-queued": "Sync started. It usually takes a minute or two; see Runs for progress.",
  "sync-skipped": BUSY,
  "resync-queued": "The ticket will be synced again in full by the run just started.",
  "resync-skipped": `The ticket is marked for a full resync. ${BUSY}`,
  paused: "Syncing is paused: no scheduled runs until you resume. Changes made meanwhile are picked up after resuming.",
  resumed: "Syncing resumed: the next scheduled run picks up everything changed while paused.",
} as const;
export type TaskCode = keyof typeof TASK_MESSAGES;

async function assertRunnable(db: Db, tenantId: string) {
  const status = await loadTenantStatus(db, tenantId);
  if (!status) throw new AppError("not_found", "Tenant not found");
  if (status.status !== "active") throw new AppError("conflict", "This tenant is disabled by the operator, so it cannot sync.");
  if (status.paused) throw new AppError("conflict", "Syncing is paused. Resume it first, then sync.");
}

export async function syncNow(env: Env, tenantId: string, actor: Actor, logger: Logger): Promise<TaskResult> {
  const db = createDb(env.DB);
  await assertRunnable(db, tenantId);
  const run = await startTenantRun(env, tenantId, "manual", logger);
  await auditStatement(db, { tenantId, userId: actor.userId, action: "sync.requested", target: run.id, detail: `Sync now (${actor.via}): ${run.status}` });
  const code = run.status === "queued" ? "sync-queued" : "sync-skipped";
  return { runId: run.id, status: run.status, code, message: TASK_MESSAGES[code] };
}

/**
 * Flags the ticket for a full resync (its link is created if the platform has not seen
 * it) and starts a run. The flag survives a skipped run: the next run picks it up.
 */
export async function resyncTicket(env: Env, tenantId: string, portalTicketId: number, actor: Actor, logger: Logger): Promise<TaskResult> {
  const db = createDb(env.DB);
  await assertRunnable(db, tenantId);
  await db.batch([
    requestResyncStatement(db, tenantId, portalTicketId, nowIso()),
    auditStatement(db, { tenantId, userId: actor.userId, action: "ticket.resync_requested", target: String(portalTicketId), detail: `Resync requested (${actor.via})` }),
  ]);
  const run = await startTenantRun(env, tenantId, "manual", logger);
  const code = run.status === "queued" ? "resync-queued" : "resync-skipped";
  return { runId: run.id, status: run.status, code, message: TASK_MESSAGES[code] };
}

export async function setPaused(db: Db, tenantId: string, paused: boolean, actor: Actor): Promise<"paused" | "resumed"> {
  await db.batch([
    setPausedStatement(db, tenantId, paused, nowIso()),
    auditStatement(db, { tenantId, userId: actor.userId, action: paused ? "tenant.paused" : "tenant.resumed", detail: `(${actor.via})` }),
  ]);
  return paused ? "paused" : "resumed";
}

export async function tenantStatus(db: Db, tenantId: string): Promise<TenantStatus> {
  const s = await loadTenantStatus(db, tenantId);
  if (!s) throw new AppError("not_found", "Tenant not found");
  return { paused: s.paused, needsAttention: s.attentionReason !== null, attentionReason: s.attentionReason, attentionSince: s.attentionSince, lastRun: s.lastRun };
}
