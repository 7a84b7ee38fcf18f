import { egressFetch } from "../egress/fetch";
import { connectwiseClientFor, portalClientFor } from "../connectors/for-tenant";
import { createDb, nowIso, type Db } from "../db/client";
import { clearNeedsAttention, markNeedsAttention } from "../db/queries/attention";
import { addRunTickets, alreadyHandedOver, completeRunIfDone, markListingComplete, markRunSkipped, markRunsFailed, startRun } from "../db/queries/runs";
import { AppError } from "../lib/errors";
import { credentialProblem } from "../sync/attention";
import { statusMappingProblem } from "../sync/mapping-check";
import { loadConfiguration, setupIncomplete } from "../db/queries/configuration";
import { orNull } from "../connectors/http";
import { clearResyncRequested, listResyncRequested, requestResync } from "../db/queries/ticket-links";
import { advanceCursor, knownVersions, loadTenantRunState, mergeFollowers } from "../db/queries/tenant-run";
import { connectwiseConnections, syncRuns } from "../db/schema";
import { ensureConnectWiseCallback } from "../services/push";
import { runIdentityCheck } from "../services/portal-identity";
import { feedCoversTenant } from "../feed/coverage";
import { eq, sql } from "drizzle-orm";
import { errorFields, type Logger } from "../lib/log";
import { tenantSyncMessage, type TenantSyncMessage, type TicketSyncMessage } from "../schemas/messages";
import { changedCwTickets, changedPortalTickets, newest, portalTicketIdFromXRef } from "../sync/changes";
import type { JobOutcome } from "./outcome";
import { sendTenantSync, sendTicketSync } from "./send";
import { settleBatch } from "./settle";

/** OAuth access tokens expiring within this are refreshed by the run (tokens live ~2 h). */
const EARLY_REFRESH_MS = 30 * 60 * 1000;

/** Items read per invocation: bounded work per message. */
export const PAGE_SIZE = 100;
/**
 * Pages of one source a run reads at most (10,000 items at PAGE_SIZE): an upstream whose
 * paging never ends cannot keep a run listing forever. What was not reached is not lost:
 * ConnectWise lists oldest change first, so its cursor advances only over what was handed
 * over; the portal lists newest first, so its cursor stays and the next run lists again.
 */
export const MAX_PAGES_PER_RUN = 100;

/** LISTING_MAX_PAGES (tests set a small one, so an endless listing ends in seconds); MAX_PAGES_PER_RUN otherwise. */
export function maxPagesPerRun(env: Pick<Env, "LISTING_MAX_PAGES">): number {
  const n = Number(env.LISTING_MAX_PAGES);
  return Number.isSafeInteger(n) && n > 0 ? n : MAX_PAGES_PER_RUN;
}
/** A tenant's first import reaches back this far unless its "sync from" date says otherwise. */
const DEFAULT_SYNC_FROM_MS = 30 * 24 * 60 * 60 * 1000;

type Page = NonNullable<TenantSyncMessage["page"]>;
type Source = Page["source"];
const NEXT_SOURCE: Record<Source, Source | null> = { resync: "portal", portal: "connectwise", connectwise: null };

export interface PageResult {
  tickets: number[];
  reason: TicketSyncMessage["reason"];
  /** The next page of this source, or null when the source is done. */
  next: Page | null;
  /** On completion: the cursor to store, once the messages are sent. */
  cursor?: { source: "portal" | "connectwise"; value: string };
  calls: { portal: number; cw: number };
}

/**
 * One page of a tenant run: finds changed tickets of one source, sends one ticket-sync
 * message each, and only then moves on (advancing the source's cursor when its listing
 * completes, then a continuation message). A redelivered page re-sends the same tickets;
 * ticket sync is idempotent, and run tickets are counted once.
 */
export async function runTenantPage(env: Env, body: unknown, logger: Logger): Promise<JobOutcome> {
  const parsed = tenantSyncMessage.safeParse(body);
  if (!parsed.success) return { kind: "reject", reason: "invalid_payload: not a tenant-sync message" };
  const msg = parsed.data;
  const db = createDb(env.DB);
  const log = logger.with({ tenant: msg.tenantId, run: msg.runId });

  if (!(await startRun(db, msg.tenantId, msg.runId, nowIso()))) {
    log.info("run.already_finished");
    return { kind: "done" };
  }
  const page: Page = msg.page ?? { source: "resync", cursor: null, highWater: null, pages: 0 };
  if (!msg.page) {
    // Before setup is complete a listing would move the cursors past requests it cannot sync.
    const setup = await setupIncomplete(db, msg.tenantId);
    if (setup) {
      await markRunSkipped(db, msg.runId, `skipped: ${setup}`, nowIso());
      log.info("run.skipped", { reason: "setup_incomplete" });
      return { kind: "done" };
    }
  }
  // While the vendor feed is healthy it reports the tenant's portal changes: the run lists
  // nothing of the portal and makes no identity check (an idle tenant's run: no portal calls).
  const viaFeed = page.source === "resync" && (await feedCoversTenant(db, msg.tenantId, Date.now()));
  let result: PageResult;
  try {
    let identityCalls = 0;
    if (!msg.page) {
      const identity = viaFeed ? { problem: null, calls: 0 } : await runIdentityCheck(env, db, msg.tenantId, { refreshWithinMs: EARLY_REFRESH_MS });
      if (identity.problem) {
        // The connected user now sees other providers' requests: nothing is listed or written.
        await markNeedsAttention(db, egressFetch(env, "alert"), msg.tenantId, identity.problem, new Date());
        await markRunsFailed(db, [msg.runId], `failed: ${identity.problem}`, nowIso());
        await db.update(syncRuns).set({ portalCalls: sql`${syncRuns.portalCalls} + ${identity.calls}` }).where(eq(syncRuns.id, msg.runId));
        log.warn("tenant.needs_attention", { code: "portal_identity" });
        return { kind: "done" };
      }
      identityCalls = identity.calls;
      await keepCallbackActive(env, db, msg.tenantId, log);
    }
    result = capListing(page, await readPage(env, db, msg.tenantId, page), log, maxPagesPerRun(env));
    result.calls.portal += identityCalls;
    // One message per ticket: none for a ticket an earlier page of this run handed over, or
    // one that an earlier run still retries (its change waits as a resync flag instead).
    const handed = await alreadyHandedOver(db, msg.tenantId, msg.runId, result.tickets, page.source);
    result.tickets = result.tickets.filter((id) => !handed.skip.has(id));
    if (handed.busy.length) await requestResync(db, msg.tenantId, handed.busy);
  } catch (err) {
    const problem = credentialProblem(err);
    if (!problem) throw err;
    // Retrying cannot help: end the run, flag the tenant, and probe again later.
    await markNeedsAttention(db, egressFetch(env, "alert"), msg.tenantId, problem, new Date());
    await markRunsFailed(db, [msg.runId], `failed: ${problem}`, nowIso());
    log.warn("tenant.needs_attention", { code: err instanceof AppError ? err.code : undefined });
    return { kind: "done" };
  }

  await addRunTickets(db, msg.tenantId, msg.runId, result.tickets, page.source);
  await sendTicketSync(
    env,
    result.tickets.map((portalTicketId) => ({ kind: "ticket-sync", v: 1, tenantId: msg.tenantId, runId: msg.runId, portalTicketId, reason: result.reason })),
  );
  if (page.source === "resync") await clearResyncRequested(db, msg.tenantId, result.tickets);
  if (result.cursor) await advanceCursor(db, msg.tenantId, result.cursor.source, result.cursor.value);
  await db
    .update(syncRuns)
    .set({ portalCalls: sql`${syncRuns.portalCalls} + ${result.calls.portal}`, cwCalls: sql`${syncRuns.cwCalls} + ${result.calls.cw}` })
    .where(eq(syncRuns.id, msg.runId));
  log.info("run.page_sent", { source: page.source, tickets: result.tickets.length, apiCalls: result.calls.portal + result.calls.cw, ...(viaFeed ? { portalVia: "vendor_feed" } : {}) });

  const following = viaFeed ? "connectwise" : NEXT_SOURCE[page.source];
  const next = result.next ?? (following ? { source: following, cursor: null, highWater: null, pages: 0 } : null);
  if (next) {
    await sendTenantSync(env, [{ ...msg, page: next }]);
    return { kind: "done" };
  }
  // The run got through; it ends by checking the mapping still fits the board, so a status
  // deleted in ConnectWise is named once here rather than failing ticket after ticket.
  const problem = await statusMappingCheck(env, db, msg.tenantId);
  if (problem) {
    await markNeedsAttention(db, egressFetch(env, "alert"), msg.tenantId, problem, new Date(), { probe: false });
    log.warn("tenant.needs_attention", { code: "status_mapping" });
  } else if (await clearNeedsAttention(db, egressFetch(env, "alert"), msg.tenantId)) {
    log.info("tenant.recovered");
  }
  await markListingComplete(db, msg.runId);
  if (await completeRunIfDone(db, msg.runId, nowIso())) log.info("run.completed");
  return { kind: "done" };
}

/**
 * Counts the page; at `maxPages` the source's listing ends for this run. The
 * ConnectWise cursor then moves to the newest change handed over (it lists oldest first,
 * with `lastUpdated >=`, so nothing older is skipped and ties are listed again); a resync
 * listing leaves the rest flagged; the portal cursor stays where it was.
 */
export function capListing(page: Page, result: PageResult, log: Logger, maxPages = MAX_PAGES_PER_RUN): PageResult {
  const pages = page.pages + 1;
  if (!result.next) return result;
  if (pages < maxPages) return { ...result, next: { ...result.next, pages } };
  log.warn("run.listing_capped", { source: page.source, pages });
  const highWater = result.next.highWater;
  const cursor = page.source === "connectwise" && highWater ? { source: "connectwise" as const, value: highWater } : undefined;
  return { ...result, next: null, cursor };
}

async function readPage(env: Env, db: Db, tenantId: string, page: Page): Promise<PageResult> {
  if (page.source === "resync") {
    const rows = await listResyncRequested(db, tenantId, page.cursor ? Number(page.cursor) : 0, PAGE_SIZE);
    const tickets = rows.map((r) => r.portalTicketId);
    const next = tickets.length === PAGE_SIZE ? { ...page, cursor: String(tickets[tickets.length - 1]) } : null;
    return { tickets, reason: "resync", next, calls: { portal: 0, cw: 0 } };
  }

  const state = await loadTenantRunState(db, tenantId);
  if (!state.portal || !state.connectwise) return { tickets: [], reason: "portal_changed", next: null, calls: { portal: 0, cw: 0 } };
  const syncFrom = state.settings?.syncFrom ?? new Date(Date.now() - DEFAULT_SYNC_FROM_MS).toISOString();

  if (page.source === "portal") {
    // The run refreshes OAuth tokens well before expiry: ticket syncs then never need to.
    const portal = await portalClientFor(env, state.portal, undefined, { refreshWithinMs: EARLY_REFRESH_MS });
    const since = state.tenant?.portalCursor ?? syncFrom;
    const { tickets, nextCursor } = await portal.listRequests({ cursor: page.cursor, pageSize: PAGE_SIZE });
    const known = await knownVersions(db, tenantId, tickets.map((t) => t.id));
    const { changed, reachedOlder } = changedPortalTickets(tickets, since, known);
    const highWater = newest(tickets.map((t) => t.updatedAt), page.highWater);
    const done = reachedOlder || nextCursor === null;
    return {
      tickets: changed,
      reason: "portal_changed",
      next: done ? null : { source: "portal", cursor: nextCursor, highWater, pages: page.pages },
      cursor: done && highWater ? { source: "portal", value: highWater } : undefined,
      calls: { portal: portal.calls, cw: 0 },
    };
  }

  const cw = await connectwiseClientFor(env, state.connectwise);
  const since = state.tenant?.cwCursor ?? syncFrom;
  const pageNo = page.cursor ? Number(page.cursor) : 1;
  const followers = await mergeFollowers(db, tenantId);
  const alsoIds = [...new Set(followers.map((f) => f.cwTicketId).filter((id): id is number => id !== null))];
  const { tickets, hasMore } = await cw.listLinkedTicketsUpdatedSince({ xrefPrefix: `psa-sync:${tenantId}:`, alsoIds, since, page: pageNo, pageSize: PAGE_SIZE });
  const linked = tickets.map((t) => portalTicketIdFromXRef(t.externalXRef, tenantId)).filter((id): id is number => id !== null);
  const known = await knownVersions(db, tenantId, linked);
  const highWater = newest(tickets.map((t) => t.lastUpdated), page.highWater);
  return {
    tickets: changedCwTickets(tickets, tenantId, known, followers),
    reason: "connectwise_changed",
    next: hasMore ? { source: "connectwise", cursor: String(pageNo + 1), highWater, pages: page.pages } : null,
    cursor: !hasMore && highWater ? { source: "connectwise", value: highWater } : undefined,
    calls: { portal: 0, cw: cw.calls },
  };
}

/** One ConnectWise read per run: the board's statuses against the status mapping. */
async function statusMappingCheck(env: Env, db: Db, tenantId: string): Promise<string | null> {
  const config = await loadConfiguration(db, tenantId);
  const boardId = config.settings?.boardId;
  if (!config.cw || !boardId || config.statuses.length === 0) return null;
  const cw = await connectwiseClientFor(env, config.cw);
  return statusMappingProblem(boardId, config.statuses, await orNull(cw.listBoardStatuses(boardId)));
}

/**
 * Once per run, for a tenant with push set up: ConnectWise disables a callback after days
 * of failed deliveries, so re-enable (or re-register) it. Never fails the run.
 */
async function keepCallbackActive(env: Env, db: Db, tenantId: string, log: Logger): Promise<void> {
  if (!env.PUBLIC_URL) return;
  const row = await db.query.connectwiseConnections.findFirst({ where: eq(connectwiseConnections.tenantId, tenantId), columns: { callbackId: true } });
  if (!row?.callbackId) return;
  try {
    const result = await ensureConnectWiseCallback(env, db, tenantId, env.PUBLIC_URL);
    if (result.state !== "present") log.warn("push.callback_restored", { state: result.state });
  } catch (err) {
    log.warn("push.callback_check_failed", errorFields(err));
  }
}

export const consumeTenantSync = (batch: MessageBatch<unknown>, env: Env, logger: Logger) =>
  settleBatch(env, batch, logger, (body) => runTenantPage(env, body, logger), (body, delay) => sendTenantSync(env, [tenantSyncMessage.parse(body)], delay));
