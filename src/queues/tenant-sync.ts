import { egressFetch } from "../egress/fetch";
import { connectwiseClientFor, portalClientFor } from "../connectors/for-tenant";
import { createDb, nowIso, type Db } from "../db/client";
import { clearAttention, raiseAttention } from "../alerts/attention";
import { addRunTickets, alreadyHandedOver, completeRunIfDone, markListingComplete, markRunSkipped, markRunsFailed, startRun } from "../db/queries/runs";
import { AppError } from "../lib/errors";
import { credentialProblem } from "../sync/attention";
import { statusMappingProblem } from "../sync/mapping-check";
import { loadConfiguration, setupIncomplete, type Configuration } from "../db/queries/configuration";
import { orNull } from "../connectors/http";
import { clearResyncRequested, listResyncRequested, requestResync } from "../db/queries/ticket-links";
import { advanceCursor, knownVersions, loadTenantRunState, mergeFollowers } from "../db/queries/tenant-run";
import { connectwiseConnections, syncRuns, tenantSettings } from "../db/schema";
import { ensureConnectWiseCallback } from "../webhooks/hook-addresses";
import { refreshPortalTokenIfDue, runIdentityCheck } from "../sync/portal-identity";
import { feedCoversTenant } from "../feed/coverage";
import { eq, sql } from "drizzle-orm";
import { errorFields, type Logger } from "../lib/log";
import { SNAPSHOT_MAX_CHARS, tenantSyncMessage, type TenantSyncMessage, type TicketSyncMessage } from "../jobs/messages";
import { ownershipRefusal } from "../sync/ownership";
import { changedCwTickets, changedPortalTickets, newest } from "../sync/changes";
import { portalTicketIdFromXRef, xrefPrefix } from "../domain/xref";
import type { JobOutcome } from "../jobs/outcome";
import { sendTenantSync, sendTicketSync } from "../jobs/send";
import { settleBatch } from "./settle";

/** OAuth access tokens expiring within this are refreshed by the run (tokens live ~2 h). */
const EARLY_REFRESH_MS = 30 * 60 * 1000;

/** Items read per invocation: bounded work per message. */
const PAGE_SIZE = 100;
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
/**
 * The portal is listed first: a ConnectWise change it did not report is known unchanged on
 * the portal (the shared, scarcer budget), so its sync plans from the request stored on the link.
 */
const NEXT_SOURCE: Record<Source, Source | null> = { resync: "portal", portal: "connectwise", connectwise: null };

/** The board's statuses and the push callback are checked this often (and after any settings change). */
export const BOARD_CHECK_EVERY_MS = 60 * 60 * 1000;

type Snapshot = Pick<TicketSyncMessage, "portal" | "cw" | "observedAt">;

export interface PageResult {
  tickets: number[];
  reason: TicketSyncMessage["reason"];
  /** The next page of this source, or null when the source is done. */
  next: Page | null;
  /** On completion: the cursor to store, once the messages are sent. */
  cursor?: { source: "portal" | "connectwise"; value: string };
  calls: { portal: number; cw: number };
  /** What the listing read of each ticket, when small enough to travel in its message. */
  snapshots?: Map<number, Snapshot>;
  /** Why nothing may be handed over: the identity check a foreign request triggered failed. */
  problem?: string;
  /** The listing stopped at the page cap. */
  capped?: boolean;
}

/**
 * One page of a tenant run: finds changed tickets of one source, sends one ticket-sync
 * message each, and only then moves on (advancing the source's cursor when its listing
 * completes, then a continuation message). A redelivered page re-sends the same tickets;
 * ticket sync is idempotent, and run tickets are counted once.
 */
async function runTenantPage(env: Env, body: unknown, logger: Logger): Promise<JobOutcome> {
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
    const identity = async (force: boolean) => {
      const checked = await runIdentityCheck(env, db, msg.tenantId, { refreshWithinMs: EARLY_REFRESH_MS, force });
      identityCalls += checked.calls;
      return checked.problem;
    };
    // While the vendor feed covers the tenant, the portal is neither listed nor asked who we
    // are; only a token about to expire is rotated.
    if (viaFeed) identityCalls += await refreshPortalTokenIfDue(env, db, msg.tenantId, { refreshWithinMs: EARLY_REFRESH_MS });
    const early = msg.page || viaFeed ? null : await identity(false);
    const read = early ? null : capListing(page, await readPage(env, db, msg.tenantId, page, () => identity(true)), log, maxPagesPerRun(env));
    if (!read || read.problem) {
      // The connected user now sees other providers' requests: nothing is listed or written.
      const problem = early ?? read?.problem ?? "";
      await raiseAttention(db, egressFetch(env, "alert"), msg.tenantId, problem, new Date());
      await markRunsFailed(db, [msg.runId], `failed: ${problem}`, nowIso());
      await db
        .update(syncRuns)
        .set({ portalCalls: sql`${syncRuns.portalCalls} + ${identityCalls + (read?.calls.portal ?? 0)}` })
        .where(eq(syncRuns.id, msg.runId));
      log.warn("tenant.needs_attention", { code: "portal_identity" });
      return { kind: "done" };
    }
    result = read;
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
    await raiseAttention(db, egressFetch(env, "alert"), msg.tenantId, problem, new Date());
    await markRunsFailed(db, [msg.runId], `failed: ${problem}`, nowIso());
    log.warn("tenant.needs_attention", { code: err instanceof AppError ? err.code : undefined });
    return { kind: "done" };
  }

  await addRunTickets(db, msg.tenantId, msg.runId, result.tickets, page.source);
  const base = { kind: "ticket-sync", v: 1, tenantId: msg.tenantId, runId: msg.runId, reason: result.reason } as const;
  await sendTicketSync(
    env,
    result.tickets.map((portalTicketId) => ({
      ...base,
      portalTicketId,
      ...result.snapshots?.get(portalTicketId),
      ...(page.portalListed ? { portalUnchanged: true } : {}),
    })),
  );
  if (page.source === "resync") await clearResyncRequested(db, msg.tenantId, result.tickets);
  if (result.cursor) await advanceCursor(db, msg.tenantId, result.cursor.source, result.cursor.value);
  await db
    .update(syncRuns)
    .set({ portalCalls: sql`${syncRuns.portalCalls} + ${result.calls.portal}`, cwCalls: sql`${syncRuns.cwCalls} + ${result.calls.cw}` })
    .where(eq(syncRuns.id, msg.runId));
  log.info("run.page_sent", {
    source: page.source,
    tickets: result.tickets.length,
    apiCalls: result.calls.portal + result.calls.cw,
    ...(viaFeed ? { portalVia: "vendor_feed" } : {}),
  });

  const following = viaFeed ? "connectwise" : NEXT_SOURCE[page.source];
  const portalListed = page.source === "portal" && !result.capped;
  const next = result.next ?? (following ? { source: following, cursor: null, highWater: null, pages: 0, portalListed } : null);
  if (next) {
    await sendTenantSync(env, [{ ...msg, page: next }]);
    return { kind: "done" };
  }
  // The run got through: the tenant's problems of earlier runs are over, unless the hourly
  // board check (a status deleted in ConnectWise, named once here rather than failing ticket
  // after ticket) finds one.
  const problem = await hourlyChecks(env, db, msg.tenantId, log);
  if (problem) {
    await raiseAttention(db, egressFetch(env, "alert"), msg.tenantId, problem, new Date(), { probe: false });
    log.warn("tenant.needs_attention", { code: "status_mapping" });
  } else if (await clearAttention(db, egressFetch(env, "alert"), msg.tenantId)) {
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
  return { ...result, next: null, cursor, capped: true };
}

async function readPage(env: Env, db: Db, tenantId: string, page: Page, checkIdentity: () => Promise<string | null>): Promise<PageResult> {
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
    const observedAt = Date.now();
    const { tickets, nextCursor } = await portal.listRequests({ cursor: page.cursor, pageSize: PAGE_SIZE });
    const known = await knownVersions(
      db,
      tenantId,
      tickets.map((t) => t.id),
    );
    const { changed, reachedOlder } = changedPortalTickets(tickets, since, known);
    // An end user sees only their own and their organisation's requests: anything else
    // means the account may have become an agent, so who it is is asked now, not within the hour.
    const { portalUserId: userId, portalOrganizationId: organizationId } = state.portal;
    const foreign = userId !== null && tickets.some((t) => ownershipRefusal(t, { userId, organizationId, syncOrganisation: true }) !== null);
    const problem = foreign ? await checkIdentity() : null;
    if (problem) return { tickets: [], reason: "portal_changed", next: null, calls: { portal: portal.calls, cw: 0 }, problem };
    // The linked ConnectWise tickets of the changed requests, in one call: their syncs need not read them.
    const cwIds = changed.map((id) => known.get(id)?.cwTicketId ?? null).filter((id): id is number => id !== null);
    const cw = cwIds.length ? await connectwiseClientFor(env, state.connectwise) : null;
    const cwTickets = cw ? await cw.getTickets(cwIds) : [];
    const portalIdOfCw = new Map([...known].map(([portalId, k]) => [k.cwTicketId, portalId]));
    const highWater = newest(
      tickets.map((t) => t.updatedAt),
      page.highWater,
    );
    const done = reachedOlder || nextCursor === null;
    return {
      tickets: changed,
      reason: "portal_changed",
      next: done ? null : { source: "portal", cursor: nextCursor, highWater, pages: page.pages },
      cursor: done && highWater ? { source: "portal", value: highWater } : undefined,
      calls: { portal: portal.calls, cw: cw?.calls ?? 0 },
      snapshots: mergeSnapshots(
        snapshotsOf(tickets, changed, "portal", observedAt, (t) => t.id),
        snapshotsOf(cwTickets, changed, "cw", observedAt, (t) => portalIdOfCw.get(t.id) ?? 0),
      ),
    };
  }

  const cw = await connectwiseClientFor(env, state.connectwise);
  const since = state.tenant?.cwCursor ?? syncFrom;
  const pageNo = page.cursor ? Number(page.cursor) : 1;
  const observedAt = Date.now();
  const followers = await mergeFollowers(db, tenantId);
  const alsoIds = [...new Set(followers.map((f) => f.cwTicketId).filter((id): id is number => id !== null))];
  const { tickets, hasMore } = await cw.listLinkedTicketsUpdatedSince({
    xrefPrefix: xrefPrefix(tenantId),
    alsoIds,
    since,
    page: pageNo,
    pageSize: PAGE_SIZE,
  });
  const linked = tickets.map((t) => portalTicketIdFromXRef(t.externalXRef, tenantId)).filter((id): id is number => id !== null);
  const known = await knownVersions(db, tenantId, linked);
  const highWater = newest(
    tickets.map((t) => t.lastUpdated),
    page.highWater,
  );
  const changed = changedCwTickets(tickets, tenantId, known, followers);
  // A follower's message carries no snapshot: the ticket listed is its merge parent.
  const byXRef = tickets.filter((t) => portalTicketIdFromXRef(t.externalXRef, tenantId) !== null);
  return {
    tickets: changed,
    snapshots: snapshotsOf(byXRef, changed, "cw", observedAt, (t) => portalTicketIdFromXRef(t.externalXRef, tenantId)!),
    reason: "connectwise_changed",
    next: hasMore ? { source: "connectwise", cursor: String(pageNo + 1), highWater, pages: page.pages, portalListed: page.portalListed } : null,
    cursor: !hasMore && highWater ? { source: "connectwise", value: highWater } : undefined,
    calls: { portal: 0, cw: cw.calls },
  };
}

/** Listed items small enough to travel in their ticket's message, by portal ticket id. */
function snapshotsOf<T>(items: T[], wanted: number[], side: "portal" | "cw", observedAt: number, portalIdOf: (item: T) => number): Map<number, Snapshot> {
  const want = new Set(wanted);
  const out = new Map<number, Snapshot>();
  for (const item of items) {
    const id = portalIdOf(item);
    if (want.has(id) && JSON.stringify(item).length <= SNAPSHOT_MAX_CHARS[side]) out.set(id, { [side]: item, observedAt });
  }
  return out;
}

function mergeSnapshots(a: Map<number, Snapshot>, b: Map<number, Snapshot>): Map<number, Snapshot> {
  for (const [id, snap] of b) a.set(id, { ...a.get(id), ...snap });
  return a;
}

/**
 * At most hourly (sooner after settings change): the board's statuses against the status
 * mapping, and, for a tenant with push set up, the callback ConnectWise disables after days
 * of failed deliveries. Not marked done while the mapping has a problem, so its fix is seen
 * by the next run.
 */
async function hourlyChecks(env: Env, db: Db, tenantId: string, log: Logger, now = new Date()): Promise<string | null> {
  const config = await loadConfiguration(db, tenantId);
  const checkedAt = config.settings?.boardCheckedAt;
  if (checkedAt && now.getTime() - Date.parse(checkedAt) < BOARD_CHECK_EVERY_MS) return null;
  await keepCallbackActive(env, db, tenantId, log);
  const problem = await statusMappingCheck(env, config);
  if (!problem) await db.update(tenantSettings).set({ boardCheckedAt: now.toISOString() }).where(eq(tenantSettings.tenantId, tenantId));
  return problem;
}

/** One ConnectWise read: the board's statuses against the status mapping. */
async function statusMappingCheck(env: Env, config: Configuration): Promise<string | null> {
  const boardId = config.settings?.boardId;
  if (!config.cw || !boardId || config.statuses.length === 0) return null;
  const cw = await connectwiseClientFor(env, config.cw);
  return statusMappingProblem(boardId, config.statuses, await orNull(cw.listBoardStatuses(boardId)));
}

/** ConnectWise disables a callback after days of failed deliveries: re-enable (or re-register) it. Never fails the run. */
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
  settleBatch(
    env,
    batch,
    logger,
    (body) => runTenantPage(env, body, logger),
    (body, delay) => sendTenantSync(env, [tenantSyncMessage.parse(body)], delay),
  );
