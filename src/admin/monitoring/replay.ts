import { startTenantRun } from "../../cron/dispatch";
import type { Db } from "../../db/client";
import { nowIso } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import { claimForReplay, getFailure, listFailures, releaseClaim, type FailureRow } from "./queries/failures";
import { AppError } from "../../lib/errors";
import type { Logger } from "../../lib/log";
import { sendTicketSync } from "../../jobs/send";
import { queueMessage, type TicketSyncMessage } from "../../jobs/messages";
import type { Actor } from "../../domain/actor";

export interface ReplayResult {
  replayed: number[];
  /** Stored bodies that are not a message we understand: kept as they are, never sent. */
  unparseable: number[];
  /** A tenant run is still going, so a run replay waits for the next tick. */
  deferred: number[];
}

/** Most failures one "Replay all" sends; the rest stay for the next click. */
const REPLAY_ALL_LIMIT = 500;

function parse(row: FailureRow, tenantId: string) {
  try {
    const parsed = queueMessage.safeParse(JSON.parse(row.body));
    // The body must name this tenant too: never replay a message into another tenant.
    return parsed.success && parsed.data.tenantId === tenantId ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Re-sends dead-lettered messages of one tenant. Ticket syncs go back to their queue
 * (ticket-sync, or ticket-push for a push's: send.ts picks by reason) without their old run (that run has ended; a replay is its own sync). A failed
 * tenant run cannot be resumed (its run id is closed), so it is replayed as a new run.
 * Rows are claimed (new → replayed) before sending and released if the send fails, so a
 * double click never sends twice and a failed send loses nothing.
 */
async function replayFailures(env: Env, db: Db, tenantId: string, rows: FailureRow[], actor: Actor, logger: Logger): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], unparseable: [], deferred: [] };
  const tickets: { id: number; message: TicketSyncMessage }[] = [];
  const runs: number[] = [];
  for (const row of rows) {
    const msg = parse(row, tenantId);
    if (!msg) result.unparseable.push(row.id);
    else if (msg.kind === "ticket-sync") tickets.push({ id: row.id, message: { ...msg, runId: null } });
    else runs.push(row.id);
  }
  const at = nowIso();
  const claimed = new Set(
    (
      await claimForReplay(
        db,
        tenantId,
        tickets.map((t) => t.id),
        at,
      )
    ).map((r) => r.id),
  );
  const toSend = tickets.filter((t) => claimed.has(t.id));
  try {
    await sendTicketSync(
      env,
      toSend.map((t) => t.message),
    );
  } catch (err) {
    await releaseClaim(db, tenantId, [...claimed]);
    throw err;
  }
  result.replayed.push(...claimed);

  if (runs.length > 0) {
    const run = await startTenantRun(env, tenantId, "manual", logger);
    if (run.status === "queued") result.replayed.push(...(await claimForReplay(db, tenantId, runs, at)).map((r) => r.id));
    else result.deferred.push(...runs);
  }
  if (result.replayed.length > 0) {
    await auditStatement(db, {
      tenantId,
      userId: actor.userId,
      action: "failures.replayed",
      target: result.replayed.length === 1 ? `failure:${result.replayed[0]}` : `${result.replayed.length} failures`,
      detail: `Replayed ${result.replayed.length} failed message(s) ${actor.via}: ${result.replayed.join(", ")}`,
    });
  }
  return result;
}

export async function replayOne(env: Env, db: Db, tenantId: string, failureId: number, actor: Actor, logger: Logger): Promise<ReplayResult> {
  const row = await getFailure(db, tenantId, failureId);
  if (!row) throw new AppError("not_found", "No such failure");
  if (row.replayState !== "new") throw new AppError("conflict", "This failure was already replayed.");
  return replayFailures(env, db, tenantId, [row], actor, logger);
}

export async function replayAll(env: Env, db: Db, tenantId: string, actor: Actor, logger: Logger): Promise<ReplayResult> {
  const rows = await listFailures(db, tenantId, "new", null, REPLAY_ALL_LIMIT);
  return replayFailures(env, db, tenantId, rows, actor, logger);
}

/** One sentence for the page / API about what a replay did. */
export function replaySummary(r: ReplayResult): string {
  const parts = [`${r.replayed.length} message(s) sent again.`];
  if (r.unparseable.length)
    parts.push(`${r.unparseable.length} could not be read and were kept as they are (${r.unparseable.map((id) => `#${id}`).join(", ")}).`);
  if (r.deferred.length) parts.push(`${r.deferred.length} run(s) wait: a run is still in progress; try again when it ends.`);
  return parts.join(" ");
}
