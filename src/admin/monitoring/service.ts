import type { z } from "zod";
import type { Db } from "../../db/client";
import { listAudit } from "../../db/queries/audit";
import { auditActors } from "./queries/audit";
import { countOpenFailures, getFailure, listFailures } from "./queries/failures";
import { loadHealth } from "./queries/health";
import { setupIncomplete } from "../../db/queries/configuration";
import { getRun } from "../../db/queries/runs";
import { listRuns, listRunTickets, runTicketCounts } from "./queries/runs";
import { commentLinksOf, countLinksByState, countRetrying, recentWarnings, searchTicketLinks } from "./queries/tickets";
import { getTicketLink, ticketEventsOf } from "../../db/queries/ticket-links";
import type { Seek } from "../../db/queries/keyset";
import { AppError, InvalidField } from "../../lib/errors";
import { queueMessage } from "../../jobs/messages";
import {
  decodeCursor,
  encodeCursor,
  idCursor,
  timeIdCursor,
  timeTextCursor,
  type auditQuery,
  type failuresQuery,
  type runsQuery,
  type TicketsQuery,
} from "./params";
import { cwTicketUrl, portalRequestUrl } from "./links";

/**
 * Read models of the monitoring pages and API: both call these, so the queries (and their
 * tenant scoping) live in one place. Every function takes the tenant id first.
 */

const RUN_TICKETS_PAGE = 100;

/** Where a page starts: after `cursor` (older rows), before `before` (newer rows), or at the top. */
function seekOf(query: { cursor?: string | undefined; before?: string | undefined }, key: z.ZodType<(string | number)[]>): Seek | null {
  const newer = Boolean(query.before);
  const value = decodeCursor(newer ? query.before : query.cursor, key);
  if (value === "invalid") throw new InvalidField(newer ? "before" : "cursor", "That page link is not valid any more; start from the first page.");
  return value ? { key: value, newer } : null;
}

/**
 * Fetches limit+1 rows to know whether a further page exists without counting. Reading back
 * (`newer`), rows come oldest first and are turned round; the page read from is older, so a
 * next page exists, and a previous one only if the extra row came.
 */
function page<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[], seek: Seek | null) {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  if (seek?.newer) items.reverse();
  const cursorAt = (row: T | undefined) => (row ? encodeCursor(keyOf(row)) : null);
  return {
    items,
    nextCursor: more || seek?.newer ? cursorAt(items[items.length - 1]) : null,
    prevCursor: (seek?.newer ? more : seek !== null) ? cursorAt(items[0]) : null,
  };
}

/** The next scheduled run: the cron fires on every 5-minute boundary. */
const nextCronRun = (now: Date) => new Date(Math.floor(now.getTime() / 300_000) * 300_000 + 300_000);

export async function dashboard(db: Db, tenantId: string, now = new Date()) {
  const [health, setup, counts, retrying, openFailures, warnings, runs] = await Promise.all([
    loadHealth(db, tenantId),
    setupIncomplete(db, tenantId),
    countLinksByState(db, tenantId),
    countRetrying(db, tenantId),
    countOpenFailures(db, tenantId),
    recentWarnings(db, tenantId, 10),
    listRuns(db, tenantId, null, 30),
  ]);
  const outcomes = await runTicketCounts(
    db,
    tenantId,
    runs.map((r) => r.id),
  );
  return {
    health,
    setupIncomplete: setup,
    counts,
    retrying,
    openFailures,
    warnings,
    lastRun: runs.find((r) => r.status !== "skipped") ?? runs[0] ?? null,
    nextRunAt: setup || health.tenant?.paused || health.tenant?.status !== "active" ? null : nextCronRun(now).toISOString(),
    // Oldest first, so the chart reads left to right.
    chart: runs
      .slice()
      .reverse()
      .map((r) => ({ id: r.id, startedAt: r.startedAt, status: r.status, synced: outcomes.get(r.id)?.done ?? 0, failed: outcomes.get(r.id)?.failed ?? 0 })),
  };
}

export async function runsPage(db: Db, tenantId: string, query: z.infer<typeof runsQuery>) {
  const seek = seekOf(query, timeTextCursor);
  const rows = await listRuns(db, tenantId, seek, query.limit + 1);
  return page(rows, query.limit, (r) => [r.startedAt, r.id], seek);
}

/** Live numbers of one run (also the body of progress.json). */
export async function runProgress(db: Db, tenantId: string, runId: string) {
  const run = await getRun(db, tenantId, runId);
  if (!run) throw new AppError("not_found", "No such run");
  const tickets = (await runTicketCounts(db, tenantId, [runId])).get(runId) ?? { queued: 0, done: 0, failed: 0 };
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  return { ...run, tickets, durationMs: Math.max(0, end - Date.parse(run.startedAt)), live: run.status === "queued" || run.status === "running" };
}
export type RunProgress = Awaited<ReturnType<typeof runProgress>>;

export async function runDetail(db: Db, tenantId: string, runId: string, afterPortalId = 0) {
  const progress = await runProgress(db, tenantId, runId);
  const rows = await listRunTickets(db, tenantId, runId, afterPortalId, RUN_TICKETS_PAGE + 1);
  const items = rows.slice(0, RUN_TICKETS_PAGE);
  const nextAfter = rows.length > RUN_TICKETS_PAGE ? (items[items.length - 1]?.portalTicketId ?? null) : null;
  return { run: progress, tickets: items, nextAfter };
}

export const ticketFilter = (query: TicketsQuery) => ({ q: query.q, state: query.state, hasWarning: query.warning });

export async function ticketsPage(db: Db, tenantId: string, query: TicketsQuery) {
  const seek = seekOf(query, timeIdCursor);
  const rows = await searchTicketLinks(db, tenantId, ticketFilter(query), seek, query.limit + 1);
  return page(rows, query.limit, (r) => [r.updatedAt, r.id], seek);
}

/** `portalBaseUrl`: the deployment's portal address (PORTAL_BASE_URL), for the link to the request. */
export async function ticketTimeline(db: Db, tenantId: string, portalTicketId: number, portalBaseUrl: string) {
  const link = await getTicketLink(db, tenantId, portalTicketId);
  if (!link) throw new AppError("not_found", "No such ticket");
  const [events, comments, health] = await Promise.all([
    ticketEventsOf(db, tenantId, portalTicketId),
    commentLinksOf(db, tenantId, portalTicketId),
    loadHealth(db, tenantId),
  ]);
  const { syncedFields: _memory, ...visible } = link;
  return {
    link: visible,
    events,
    comments,
    portalUrl: health.portal ? portalRequestUrl(portalBaseUrl, portalTicketId) : null,
    cwUrl: link.cwTicketId && health.connectwise ? cwTicketUrl(health.connectwise, link.cwTicketId) : null,
  };
}

/** What a stored message is about, in plain words, without exposing the raw body. */
export function describeStoredMessage(body: string): { kind: string; portalTicketId: number | null; parseable: boolean } {
  try {
    const parsed = queueMessage.safeParse(JSON.parse(body));
    if (!parsed.success) return { kind: "unrecognised message", portalTicketId: null, parseable: false };
    return parsed.data.kind === "ticket-sync"
      ? { kind: "ticket sync", portalTicketId: parsed.data.portalTicketId, parseable: true }
      : { kind: "tenant run", portalTicketId: null, parseable: true };
  } catch {
    return { kind: "unreadable message", portalTicketId: null, parseable: false };
  }
}

export async function failuresPage(db: Db, tenantId: string, query: z.infer<typeof failuresQuery>) {
  const seek = seekOf(query, idCursor);
  const rows = await listFailures(db, tenantId, query.state, seek, query.limit + 1);
  const result = page(rows, query.limit, (r) => [r.id], seek);
  return {
    ...result,
    items: result.items.map(({ body, ...f }) => ({ ...f, message: describeStoredMessage(body) })),
  };
}

export async function failureDetail(db: Db, tenantId: string, id: number) {
  const row = await getFailure(db, tenantId, id);
  if (!row) throw new AppError("not_found", "No such failure");
  const { body, ...rest } = row;
  return { ...rest, message: describeStoredMessage(body) };
}

/** What a tenant's audit log calls an operator: who the operator is stays the operators' business. */
export const OPERATOR_LABEL = "Operator";

/**
 * A tenant's audit log. Operators' actions show as "Operator" (no email, no id) unless the
 * viewer is an operator too.
 */
export async function auditPage(db: Db, tenantId: string, query: z.infer<typeof auditQuery>, viewer: { isOperator: boolean }) {
  const seek = seekOf(query, idCursor);
  const rows = await listAudit(db, tenantId, seek, query.limit + 1);
  const result = page(rows, query.limit, (r) => [r.id], seek);
  const actors = await auditActors(
    db,
    result.items.flatMap((r) => (r.userId ? [r.userId] : [])),
  );
  return {
    ...result,
    items: result.items.map((r) => {
      const actor = r.userId ? actors.get(r.userId) : undefined;
      if (actor?.role === "operator" && !viewer.isOperator) return { ...r, userId: null, userEmail: OPERATOR_LABEL };
      return { ...r, userEmail: actor?.email ?? null };
    }),
  };
}
