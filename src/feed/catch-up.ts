import { vendorAdminClient } from "../connectors/for-vendor";
import type { ExportedTicket } from "../connectors/zendesk/admin";
import { createDb, type Db } from "../db/client";
import { knownVersions } from "../db/queries/tenant-run";
import { advanceExportCursor, allFeedTenants, earliestTenantStart, loadVendorFeed, recordPoll, type FeedTenant } from "../db/queries/vendor-feed";
import { portalBaseUrl } from "../egress/fetch";
import { AppError } from "../lib/errors";
import { errorFields, type Logger } from "../lib/log";
import { bindings, openSecret, vendorFeedCredential } from "../lib/secret-binding";
import { sendTicketSync } from "../jobs/send";
import type { TicketSyncMessage } from "../jobs/messages";
import { changedPortalTickets } from "../sync/changes";
import { routeTicket } from "./route";

/** Tickets per export page: a page's routing and messages stay well inside one invocation. */
const EXPORT_PAGE_SIZE = 500;
/** Pages per poll: the export allows 10 calls a minute per account, and polls come every 5 minutes. */
const MAX_EXPORT_PAGES = 5;
/** Without a cursor or any tenant's date to start from, the first poll looks back this far. */
const DEFAULT_LOOKBACK_MS = 5 * 60 * 1000;
/** Zendesk refuses a start_time less than a minute old. */
const MIN_START_AGE_MS = 61_000;

export type PollOutcome =
  | { state: "absent" }
  | { state: "ok"; pages: number; queued: number; reachedEnd: boolean }
  | { state: "deferred"; retryAfterS: number }
  | { state: "failed"; reason: string };

/** The first poll's start_time (unix s): the earliest tenant cursor or "sync from" date, never under a minute old. */
export function firstStartTime(earliest: string | null, now: number): number {
  const from = earliest ? Date.parse(earliest) : Number.NaN;
  const start = Number.isNaN(from) ? now - DEFAULT_LOOKBACK_MS : from;
  return Math.floor(Math.min(start, now - MIN_START_AGE_MS) / 1000);
}

/**
 * One catch-up poll (one per cron tick): pages of the account's incremental export, each
 * ticket routed to its tenants, versions already synced skipped, one ticket sync queued per
 * remaining ticket and tenant. The cursor is stored after each page's messages are sent, so
 * a poll that dies half-way reads that page again and never skips one. A 429 or a spent
 * portal budget defers the rest to the next tick.
 */
export async function pollVendorFeed(env: Env, logger: Logger, now = new Date()): Promise<PollOutcome> {
  const db = createDb(env.DB);
  const feed = await loadVendorFeed(db);
  if (!feed) return { state: "absent" };
  const log = logger.with({ source: "vendor-feed" });
  const credential = await openSecret(env, feed.credentialCiphertext, bindings.vendorFeedCredential(portalBaseUrl(env)), vendorFeedCredential);
  if (!credential) {
    const reason = "the stored credential cannot be opened (the encryption key or the portal address changed): set it again";
    await recordPoll(db, now, `failed: ${reason}`);
    log.warn("feed.poll_failed", { code: "unreadable_credential" });
    return { state: "failed", reason };
  }
  const client = vendorAdminClient(env, credential);
  let from: { cursor: string } | { startTime: number } = feed.exportCursor
    ? { cursor: feed.exportCursor }
    : { startTime: firstStartTime(await earliestTenantStart(db), now.getTime()) };
  const tenants = await allFeedTenants(db);
  let queued = 0;
  let pages = 0;
  let reachedEnd = false;
  try {
    while (pages < MAX_EXPORT_PAGES) {
      const page = await client.exportTickets(from, EXPORT_PAGE_SIZE);
      pages++;
      const sent = await queueChanged(env, db, page.tickets, tenants);
      queued += sent;
      if (page.afterCursor) {
        await advanceExportCursor(db, page.afterCursor, sent);
        from = { cursor: page.afterCursor };
      }
      if (page.endOfStream) {
        reachedEnd = true;
        break;
      }
    }
  } catch (err) {
    const retryAfterS = err instanceof AppError && err.code === "rate_limited" ? (err.retryAfter ?? 60) : null;
    if (retryAfterS !== null) {
      await recordPoll(db, now, `deferred: the portal asked to wait ${retryAfterS} s`, { queued: 0 });
      log.info("feed.poll_deferred", { pages, queued, retryAfterS, portalCalls: client.calls });
      return { state: "deferred", retryAfterS };
    }
    const reason = err instanceof AppError ? err.message : "unexpected error";
    await recordPoll(db, now, `failed: ${reason}`);
    log.warn("feed.poll_failed", { pages, queued, portalCalls: client.calls, ...errorFields(err) });
    return { state: "failed", reason };
  }
  await recordPoll(db, now, reachedEnd ? "ok" : `ok: more to read after ${pages} pages`, { reachedEnd });
  log.info("feed.polled", { pages, queued, portalCalls: client.calls, tenants: tenants.length });
  return { state: "ok", pages, queued, reachedEnd };
}

/** One ticket-sync message per routed ticket whose version the tenant has not synced yet. */
async function queueChanged(env: Env, db: Db, tickets: ExportedTicket[], tenants: FeedTenant[]): Promise<number> {
  const byTenant = new Map<string, ExportedTicket[]>();
  for (const ticket of tickets) {
    for (const t of routeTicket(ticket, tenants)) byTenant.set(t.tenantId, [...(byTenant.get(t.tenantId) ?? []), ticket]);
  }
  const messages: TicketSyncMessage[] = [];
  for (const [tenantId, mine] of byTenant) {
    const known = await knownVersions(
      db,
      tenantId,
      mine.map((t) => t.id),
    );
    for (const portalTicketId of changedPortalTickets(mine, "", known).changed) {
      messages.push({ kind: "ticket-sync", v: 1, tenantId, runId: null, portalTicketId, reason: "portal_changed" });
    }
  }
  await sendTicketSync(env, messages);
  return messages.length;
}
