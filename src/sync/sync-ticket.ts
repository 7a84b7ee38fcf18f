import { egressFetch, type FetchLike } from "../egress/fetch";
import { connectwiseClientFor, portalClientFor } from "../connectors/for-tenant";
import type { ConnectWiseClient, PortalClient } from "../connectors/types";
import { createDb, type Db } from "../db/client";
import {
  cachedMatch,
  emptyStats,
  ensureTicketLink,
  finishTicketLink,
  loadTicketState,
  rememberPortalIdentity,
  setLinkedCwTicket,
  storeMatch,
  type TicketEvent,
  type TicketState,
  type TicketStats,
} from "../db/queries/sync-state";
import { raiseAttention } from "../alerts/attention";
import { ticketEvents } from "../db/schema";
import { requestBoardCheck, setupStateOf } from "../db/queries/configuration";
import { AppError } from "../lib/errors";
import { credentialProblem } from "./attention";
import { notEndUserProblem, ownershipRefusal, type Owner } from "./ownership";
import { settledVersion } from "../domain/versions";
import { externalXRefFor } from "../domain/xref";
import { recordRefusals } from "./refusals";
import { setupIncompleteMessage } from "../domain/setup";
import type { Logger } from "../lib/log";
import { isPushReason } from "../jobs/messages";
import { executeOps, type ExecuteContext } from "./execute";
import type { CwNote, CwTicket } from "../domain/model";
import { plan } from "./plan";
import type { ClusterMatch, Operation, SyncSettings, TicketMemory, Warning } from "./plan-types";
import { commentsNeeded, cwSource, NOTES_WAITING, notesToRead, portalSource, type CwSource, type LinkMemory, type NotesRead, type SyncHints } from "./reads";

/** A ClusterID's configuration is cached this long (configurations rarely move)… */
const MATCH_TTL_MS = 6 * 60 * 60 * 1000;
/** …but "no configuration" only this long: one added in ConnectWise is found within 15 minutes. */
const NO_MATCH_TTL_MS = 15 * 60 * 1000;

export interface TicketSyncJob extends SyncHints {
  tenantId: string;
  portalTicketId: number;
  runId: string | null;
  /** "resync" (an admin's request): also recreates a ConnectWise ticket deleted under the link. */
  reason?: string;
}

export type TicketSyncResult = { stats: TicketStats; warnings: Warning[]; cwTicketId: number | null };

/**
 * Syncs one ticket: load both sides, plan, execute, record. At most three passes: after a
 * create (comments follow once the ticket exists) and after portal writes (to adopt the
 * comments just written, so the next run is a no-op).
 */
export async function syncTicket(env: Env, job: TicketSyncJob, log: Logger, now = () => new Date()): Promise<TicketSyncResult> {
  const db = createDb(env.DB);
  const state = await loadTicketState(db, job.tenantId, job.portalTicketId);
  if (!state.tenant) throw new AppError("invalid_payload", `Unknown tenant ${job.tenantId}`);
  // A push or a replay can arrive before setup is complete: record nothing, so the first
  // run after setup still finds this ticket changed (docs/design.md, Lifecycle: "Setup first").
  const setup = setupIncompleteMessage(setupStateOf(state));
  if (setup || !state.portal || !state.connectwise) {
    log.info("ticket.setup_incomplete");
    return { stats: emptyStats(), warnings: [{ code: "setup_incomplete", message: setup ?? "Setup incomplete" }], cwTicketId: state.link?.cwTicketId ?? null };
  }
  // A push sync draws on the budgets' reserve, so a backfill's backlog does not hold it.
  const priority = isPushReason(job.reason);
  // Once it has read, a refused turn is slept through: deferred, the sync would read it all again.
  const portal = await portalClientFor(env, state.portal, undefined, { sleepsOnceSpent: true, priority });
  const cw = await connectwiseClientFor(env, state.connectwise, undefined, { priority });
  const stats = emptyStats();
  const calls = () => ({ portalCalls: portal.calls, cwCalls: cw.calls });
  // Events of writes already made are recorded even when a later write fails.
  const events: TicketEvent[] = [];

  try {
    const link = state.link;
    let memory = memoryOf(state);
    const portalFrom = portalSource(link, job, memory);
    let requestObservedAt = portalFrom.from === "message" ? portalFrom.observedAt : now().getTime();
    let request = portalFrom.from === "read" ? await portal.getRequest(job.portalTicketId) : portalFrom.request;
    if (!request) {
      const warning: Warning = {
        code: "portal_request_missing",
        message: "The portal request no longer exists or is not visible to the connected portal user.",
      };
      await finishTicketLink(db, job.tenantId, job.portalTicketId, { warnings: [warning], state: "warning", lastSyncedAt: now().toISOString() });
      return { stats: { ...stats, ...calls(), warnings: 1 }, warnings: [warning], cwTicketId: state.link?.cwTicketId ?? null };
    }
    // Only the tenant's own requests are synced, however the id arrived (a listing, a
    // webhook, a resync): checked before anything is linked, created or written.
    const refuse = async (refusal: Warning): Promise<TicketSyncResult> => {
      await refuseRequest(db, job, state, refusal, now());
      log.warn("ticket.refused_not_tenant_request");
      return { stats: { ...stats, ...calls(), warnings: 1 }, warnings: [refusal], cwTicketId: state.link?.cwTicketId ?? null };
    };
    const owner = await ownerOf(db, egressFetch(env, "alert"), state, portal, now);
    if ("problem" in owner) return refuse({ code: "not_tenant_request", message: owner.problem });
    const refusal = ownershipRefusal(request, owner);
    if (refusal) return refuse(refusal);
    if (!state.link) await ensureTicketLink(db, job.tenantId, job.portalTicketId, request.subject);
    const settings = syncSettings(state, job, owner.userId);
    const match = await resolveCluster(db, cw, state, request.clusterId, now());
    const ctx: ExecuteContext = {
      db,
      portal,
      cw,
      tenantId: job.tenantId,
      portalTicketId: job.portalTicketId,
      runId: job.runId,
      cwTicketId: state.link?.cwTicketId ?? null,
      stats,
      events,
      apiMember: state.connectwise.apiMemberIdentifier,
      now: () => now().toISOString(),
    };

    // The portal as last read: a stored copy stands in until a portal write needs the real one.
    let portalFresh = portalFrom.from !== "stored";
    let comments = commentsNeeded(request, link, job, memory) ? await portal.listComments(job.portalTicketId) : null;
    let side = await loadCwSide(db, cw, ctx, link, job, memory, settings.externalXRef, now);
    let result = { side, warnings: [] as Warning[], synced: memory.synced };
    for (let pass = 0; pass < 3; pass++) {
      let p = plan({ portal: request, comments: comments ?? [], cw: side.ticket, notes: side.notes, memory, settings, match, resync: job.reason === "resync" });
      if (p.ops.some(writesPortal) && (!portalFresh || comments === null)) {
        // Whether the request can take a comment (closed? at Zendesk's limit?) is read, not remembered.
        if (!portalFresh) {
          requestObservedAt = now().getTime();
          request = (await portal.getRequest(job.portalTicketId)) ?? request;
          portalFresh = true;
        }
        comments = await portal.listComments(job.portalTicketId);
        p = plan({ portal: request, comments, cw: side.ticket, notes: side.notes, memory, settings, match, resync: job.reason === "resync" });
      }
      result = { side, warnings: p.warnings, synced: p.synced };
      if (p.ops.length === 0) break;
      const { portalWrites, refused } = await executeOps(ctx, p.ops);
      // Refused field writes are remembered in the memory this pass records, and warned now.
      result.warnings = [...result.warnings, ...recordRefusals(p.synced, request, refused)];
      if (refused.status) await requestBoardCheck(db, job.tenantId);
      memory = memoryOf(await loadTicketState(db, job.tenantId, job.portalTicketId));
      memory.synced = p.synced;
      // A new or followed ticket is planned again at once (its comments, its notes); after
      // portal writes, the comments just written are read to be recognised as ours.
      const followed = p.ops.some((o) => o.kind === "follow_merge");
      // A new ticket holds only its description note; its version is ours, so not recorded.
      if (ctx.created) side = { ticket: ctx.created, notes: [], version: null, noteBase: 0 };
      else if (followed) side = await loadCwSide(db, cw, ctx, undefined, {}, memory, settings.externalXRef, now);
      else if (portalWrites === 0) break;
      if (portalWrites > 0) {
        if (REOPENED_BY_REQUESTER.has(request.status)) {
          // That status change is this write's echo (we comment as the requester): adopted
          // as synced rather than pushed over the technician's status.
          const before = request;
          requestObservedAt = now().getTime();
          request = (await portal.getRequest(job.portalTicketId)) ?? request;
          if (request.status !== before.status && memory.synced.status === before.status) memory.synced.status = request.status;
        }
        comments = await portal.listComments(job.portalTicketId);
      }
      ctx.created = undefined;
    }

    const at = now().toISOString();
    await finishTicketLink(
      db,
      job.tenantId,
      job.portalTicketId,
      {
        summary: request.subject.slice(0, 300),
        syncedFields: result.synced as Record<string, string>,
        warnings: result.warnings,
        state: ctx.cwTicketId === null ? (result.warnings.length ? "warning" : "pending") : result.warnings.length ? "warning" : "ok",
        lastError: null,
        // No ConnectWise ticket yet means nothing was synced: keep the request "changed".
        portalUpdatedAt: ctx.cwTicketId === null ? null : portalFresh ? settledVersion(request.updatedAt, requestObservedAt) : (link?.portalUpdatedAt ?? null),
        portalSnapshot: request,
        cwUpdatedAt: result.side.version,
        cwClosed: result.side.ticket?.closedFlag ?? false,
        // Notes a closed request could not take are read again until posted.
        lastCwNoteId: result.warnings.some((w) => NOTES_WAITING.has(w.code))
          ? result.side.noteBase
          : result.side.notes.reduce((max, n) => Math.max(max, n.id), result.side.noteBase),
        lastSyncedAt: at,
        updatedAt: at,
      },
      events,
    );
    stats.warnings = result.warnings.length;
    log.info("ticket.synced", { cwTicket: ctx.cwTicketId ?? undefined, ops: events.length, warnings: result.warnings.length, ...calls() });
    return { stats: { ...stats, ...calls() }, warnings: result.warnings, cwTicketId: ctx.cwTicketId };
  } catch (err) {
    const problem = credentialProblem(err);
    if (problem) await raiseAttention(db, egressFetch(env, "alert"), job.tenantId, problem, now());
    const message = err instanceof AppError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    const failed = { lastError: message.slice(0, 500), state: "error" as const, updatedAt: now().toISOString() };
    // The link may not exist yet (the very first read failed): the ticket still shows its error.
    await ensureTicketLink(db, job.tenantId, job.portalTicketId, "")
      .then(() => finishTicketLink(db, job.tenantId, job.portalTicketId, failed, events))
      .catch(() => undefined);
    throw err;
  }
}

interface CwSide {
  ticket: CwTicket | null;
  notes: CwNote[];
  /** The version to record as synced: a read one only once its second is over. */
  version: string | null;
  /** Notes up to this id were seen before (and are not in `notes` unless still watched). */
  noteBase: number;
}

async function loadCwSide(
  db: Db,
  cw: ConnectWiseClient,
  ctx: ExecuteContext,
  link: LinkMemory | undefined,
  hints: SyncHints,
  memory: TicketMemory,
  xref: string,
  now: () => Date,
): Promise<CwSide> {
  const observedAt = now().getTime();
  const source: CwSource = ctx.cwTicketId !== null && !link ? { from: "read", full: true } : cwSource(link, hints, memory);
  if (source.from === "message") {
    const notes = await readNotes(cw, source.ticket.id, source.notes);
    return {
      ticket: source.ticket,
      notes,
      version: settledVersion(source.ticket.lastUpdated, source.observedAt),
      noteBase: source.notes?.afterId ?? link!.lastCwNoteId,
    };
  }
  let ticket: CwTicket | null = null;
  if (source.from === "read") ticket = await cw.getTicket(ctx.cwTicketId!);
  else if (source.lookup) {
    // A create whose response was lost left a ticket behind: find it instead of making another.
    ticket = await cw.findTicketByExternalXRef(xref);
    if (ticket) {
      ctx.cwTicketId = ticket.id;
      await setLinkedCwTicket(db, ctx.tenantId, ctx.portalTicketId, ticket.id, now().toISOString());
    }
  }
  if (!ticket) return { ticket, notes: [], version: null, noteBase: 0 };
  const read = source.from === "read" && link ? notesToRead(link, memory, ticket.lastUpdated, source.full) : { afterId: 0, alsoIds: [] };
  return {
    ticket,
    notes: await readNotes(cw, ticket.id, read),
    version: settledVersion(ticket.lastUpdated, observedAt),
    noteBase: read?.afterId ?? link?.lastCwNoteId ?? 0,
  };
}

const readNotes = async (cw: ConnectWiseClient, ticketId: number, read: NotesRead) => (read ? cw.listNotes(ticketId, read.afterId, read.alsoIds) : []);

/** Statuses Zendesk changes to "open" when the request's requester comments. */
const REOPENED_BY_REQUESTER: ReadonlySet<string> = new Set(["pending", "hold", "solved"]);

/** Operations that write to the portal. */
const writesPortal = (op: Operation) => op.kind === "mirror_note_to_portal" || op.kind === "post_description_update";

/**
 * The connected user and their organisation. Runs store them (each run checks /users/me);
 * a push before any run learns them here, refusing an agent or admin as a run does.
 */
async function ownerOf(db: Db, alerts: FetchLike, state: TicketState, portal: PortalClient, now: () => Date): Promise<Owner | { problem: string }> {
  const syncOrganisation = state.settings?.syncOrganisation ?? false;
  const stored = state.portal!;
  if (stored.portalUserId !== null) return { userId: stored.portalUserId, organizationId: stored.portalOrganizationId, syncOrganisation };
  const me = await portal.me();
  const problem = notEndUserProblem(me);
  if (problem) {
    await raiseAttention(db, alerts, stored.tenantId, problem, now());
    return { problem };
  }
  await rememberPortalIdentity(db, stored.tenantId, { userId: me.id, organizationId: me.organizationId });
  return { userId: me.id, organizationId: me.organizationId, syncOrganisation };
}

/** Records why a request was not synced: an event always; the warning on a link that exists (none is created). */
async function refuseRequest(db: Db, job: TicketSyncJob, state: TicketState, refusal: Warning, at: Date): Promise<void> {
  const event: TicketEvent = {
    tenantId: job.tenantId,
    portalTicketId: job.portalTicketId,
    cwTicketId: state.link?.cwTicketId ?? null,
    runId: job.runId,
    action: "refused_not_tenant_request",
    detail: refusal.message,
  };
  if (state.link)
    await finishTicketLink(
      db,
      job.tenantId,
      job.portalTicketId,
      { warnings: [refusal], state: "warning", lastSyncedAt: at.toISOString(), updatedAt: at.toISOString() },
      [event],
    );
  else await db.insert(ticketEvents).values(event);
}

function memoryOf(state: TicketState): TicketMemory {
  return {
    cwTicketId: state.link?.cwTicketId ?? null,
    synced: state.link?.syncedFields ?? {},
    comments: state.comments.map((c) => ({
      id: c.id,
      origin: c.origin,
      portalCommentId: c.portalCommentId,
      cwNoteId: c.cwNoteId,
      contentHash: c.contentHash,
      state: c.state,
    })),
  };
}

function syncSettings(state: TicketState, job: TicketSyncJob, portalUserId: number): SyncSettings {
  return {
    externalXRef: externalXRefFor(job.tenantId, job.portalTicketId),
    boardId: state.settings?.boardId ?? null,
    defaultCompanyId: state.settings?.defaultCompanyId ?? null,
    priorityMap: Object.fromEntries(state.priorities.map((m) => [m.portalValue, m.cwPriorityId])),
    statusMap: Object.fromEntries(state.statuses.map((m) => [m.portalValue, { id: m.cwStatusId, closed: m.cwStatusClosed }])),
    // The Requests API (the end-user mode we connect in) only posts public comments.
    commentsPublic: true,
    portalUserId,
    closedTicketActivity: state.settings?.closedTicketActivity ?? "reopen",
  };
}

async function resolveCluster(db: Db, cw: ConnectWiseClient, state: TicketState, clusterId: string | null, now: Date): Promise<ClusterMatch> {
  if (!clusterId) return null;
  const field = state.settings?.matchField ?? "serialNumber";
  const tenantId = state.tenant!.id;
  const cached = await cachedMatch(db, tenantId, field, clusterId, MATCH_TTL_MS, now);
  if (cached && cached.cwConfigurationId !== null && cached.cwCompanyId !== null)
    return { configurationId: cached.cwConfigurationId, companyId: cached.cwCompanyId };
  if (cached && now.getTime() - Date.parse(cached.fetchedAt) <= NO_MATCH_TTL_MS) return null;
  const found = await cw.findConfiguration(field, clusterId);
  const match = found?.company ? { configurationId: found.id, companyId: found.company.id } : null;
  await storeMatch(db, {
    tenantId,
    matchField: field,
    clusterId,
    cwConfigurationId: match?.configurationId ?? null,
    cwCompanyId: match?.companyId ?? null,
    fetchedAt: now.toISOString(),
  });
  return match;
}
