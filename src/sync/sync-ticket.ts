import { egressFetch } from "../egress/fetch";
import { connectwiseClientFor, portalClientFor } from "../connectors/for-tenant";
import type { ConnectWiseClient, FetchLike, PortalClient } from "../connectors/types";
import { createDb, type Db } from "../db/client";
import {
  cachedMatch,
  emptyStats,
  ensureTicketLink,
  finishTicketLink,
  loadTicketState,
  rememberApiMember,
  rememberPortalIdentity,
  setLinkedCwTicket,
  storeMatch,
  type TicketEvent,
  type TicketState,
  type TicketStats,
} from "../db/queries/sync-state";
import { markNeedsAttention } from "../db/queries/attention";
import { ticketEvents } from "../db/schema";
import { setupStateOf } from "../db/queries/configuration";
import { AppError } from "../lib/errors";
import { credentialProblem } from "./attention";
import { notEndUserProblem, ownershipRefusal, type Owner } from "./ownership";
import { settledVersion } from "./changes";
import { recordRefusals } from "./refusals";
import { setupIncompleteMessage } from "./setup";
import type { Logger } from "../lib/log";
import { executeOps, type ExecuteContext } from "./execute";
import type { CwNote, CwTicket } from "./model";
import { plan } from "./plan";
import type { ClusterMatch, SyncSettings, TicketMemory, Warning } from "./plan-types";

/** A ClusterID's configuration is cached this long (configurations rarely move)… */
const MATCH_TTL_MS = 6 * 60 * 60 * 1000;
/** …but "no configuration" only this long: one added in ConnectWise is found within 15 minutes. */
const NO_MATCH_TTL_MS = 15 * 60 * 1000;

export const externalXRefFor = (tenantId: string, portalTicketId: number) => `psa-sync:${tenantId}:${portalTicketId}`;

export interface TicketSyncJob {
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
  // run after setup still finds this ticket changed (DESIGN §3 "Setup first").
  const setup = setupIncompleteMessage(setupStateOf(state));
  if (setup || !state.portal || !state.connectwise) {
    log.info("ticket.setup_incomplete");
    return { stats: emptyStats(), warnings: [{ code: "setup_incomplete", message: setup ?? "Setup incomplete" }], cwTicketId: state.link?.cwTicketId ?? null };
  }
  const portal = await portalClientFor(env, state.portal);
  const cw = await connectwiseClientFor(env, state.connectwise);
  const stats = emptyStats();
  const calls = () => ({ portalCalls: portal.calls, cwCalls: cw.calls });
  // Events of writes already made are recorded even when a later write fails.
  const events: TicketEvent[] = [];

  try {
    const requestObservedAt = now().getTime();
    const request = await portal.getRequest(job.portalTicketId);
    if (!request) {
      const warning: Warning = { code: "portal_request_missing", message: "The portal request no longer exists or is not visible to the connected portal user." };
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
      now: () => now().toISOString(),
    };

    let memory = memoryOf(state);
    let apiMember = state.connectwise.apiMemberIdentifier;
    let result = { cw: null as CwTicket | null, warnings: [] as Warning[], synced: memory.synced, notes: [] as CwNote[], cwObservedAt: 0 };
    for (let pass = 0; pass < 3; pass++) {
      const comments = await portal.listComments(job.portalTicketId);
      const side = await loadCwSide(db, cw, ctx, settings.externalXRef, now);
      const p = plan({ portal: request, comments, cw: side.ticket, notes: side.notes, memory, settings, match, resync: job.reason === "resync" });
      result = { cw: side.ticket, warnings: p.warnings, synced: p.synced, notes: side.notes, cwObservedAt: side.observedAt };
      if (p.ops.length === 0) break;
      const { portalWrites, refused } = await executeOps(ctx, p.ops);
      // Stored at once, so the callbacks of these very writes are already recognised as ours.
      if (ctx.apiMember && ctx.apiMember !== apiMember) {
        apiMember = ctx.apiMember;
        await rememberApiMember(db, job.tenantId, apiMember);
      }
      // Refused field writes are remembered in the memory this pass records, and warned now.
      result.warnings = [...result.warnings, ...recordRefusals(p.synced, request, refused)];
      // A new or followed ticket is planned again at once (its comments, its notes).
      const created = p.ops.some((o) => o.kind === "create_cw_ticket" || o.kind === "follow_merge");
      memory = memoryOf(await loadTicketState(db, job.tenantId, job.portalTicketId));
      memory.synced = p.synced;
      if (!created && portalWrites === 0) {
        result.cw = side.ticket;
        break;
      }
    }

    const at = now().toISOString();
    await finishTicketLink(db, job.tenantId, job.portalTicketId, {
      summary: request.subject.slice(0, 300),
      syncedFields: result.synced as Record<string, string>,
      warnings: result.warnings,
      state: ctx.cwTicketId === null ? (result.warnings.length ? "warning" : "pending") : result.warnings.length ? "warning" : "ok",
      lastError: null,
      // No ConnectWise ticket yet means nothing was synced: keep the request "changed".
      portalUpdatedAt: ctx.cwTicketId === null ? null : settledVersion(request.updatedAt, requestObservedAt),
      cwUpdatedAt: result.cw ? settledVersion(result.cw.lastUpdated, result.cwObservedAt) : null,
      cwClosed: result.cw?.closedFlag ?? false,
      lastCwNoteId: result.notes.reduce((max, n) => Math.max(max, n.id), state.link?.lastCwNoteId ?? 0),
      lastSyncedAt: at,
      updatedAt: at,
    }, events);
    stats.warnings = result.warnings.length;
    log.info("ticket.synced", { cwTicket: ctx.cwTicketId ?? undefined, ops: events.length, warnings: result.warnings.length, ...calls() });
    return { stats: { ...stats, ...calls() }, warnings: result.warnings, cwTicketId: ctx.cwTicketId };
  } catch (err) {
    const problem = credentialProblem(err);
    if (problem) await markNeedsAttention(db, egressFetch(env, "alert"), job.tenantId, problem, now());
    const message = err instanceof AppError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    const failed = { lastError: message.slice(0, 500), state: "error" as const, updatedAt: now().toISOString() };
    // The link may not exist yet (the very first read failed): the ticket still shows its error.
    await ensureTicketLink(db, job.tenantId, job.portalTicketId, "")
      .then(() => finishTicketLink(db, job.tenantId, job.portalTicketId, failed, events))
      .catch(() => undefined);
    throw err;
  }
}

async function loadCwSide(db: Db, cw: ConnectWiseClient, ctx: ExecuteContext, xref: string, now: () => Date) {
  const observedAt = now().getTime();
  let ticket: CwTicket | null = null;
  if (ctx.cwTicketId !== null) ticket = await cw.getTicket(ctx.cwTicketId);
  else {
    // A create whose response was lost left a ticket behind: find it instead of making another.
    ticket = await cw.findTicketByExternalXRef(xref);
    if (ticket) {
      ctx.cwTicketId = ticket.id;
      await setLinkedCwTicket(db, ctx.tenantId, ctx.portalTicketId, ticket.id, now().toISOString());
    }
  }
  const notes = ticket ? await cw.listNotes(ticket.id, 0) : [];
  return { ticket, notes, observedAt };
}

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
    await markNeedsAttention(db, alerts, stored.tenantId, problem, now());
    return { problem };
  }
  await rememberPortalIdentity(db, stored.tenantId, { userId: me.id, organizationId: me.organizationId });
  return { userId: me.id, organizationId: me.organizationId, syncOrganisation };
}

/** Records why a request was not synced: an event always; the warning on a link that exists (none is created). */
async function refuseRequest(db: Db, job: TicketSyncJob, state: TicketState, refusal: Warning, at: Date): Promise<void> {
  const event: TicketEvent = { tenantId: job.tenantId, portalTicketId: job.portalTicketId, cwTicketId: state.link?.cwTicketId ?? null, runId: job.runId, action: "refused_not_tenant_request", detail: refusal.message };
  if (state.link) await finishTicketLink(db, job.tenantId, job.portalTicketId, { warnings: [refusal], state: "warning", lastSyncedAt: at.toISOString(), updatedAt: at.toISOString() }, [event]);
  else await db.insert(ticketEvents).values(event);
}

function memoryOf(state: TicketState): TicketMemory {
  return {
    cwTicketId: state.link?.cwTicketId ?? null,
    synced: state.link?.syncedFields ?? {},
    comments: state.comments.map((c) => ({ id: c.id, origin: c.origin, portalCommentId: c.portalCommentId, cwNoteId: c.cwNoteId, contentHash: c.contentHash, state: c.state })),
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
  if (cached && cached.cwConfigurationId !== null && cached.cwCompanyId !== null) return { configurationId: cached.cwConfigurationId, companyId: cached.cwCompanyId };
  if (cached && now.getTime() - Date.parse(cached.fetchedAt) <= NO_MATCH_TTL_MS) return null;
  const found = await cw.findConfiguration(field, clusterId);
  const match = found?.company ? { configurationId: found.id, companyId: found.company.id } : null;
  await storeMatch(db, { tenantId, matchField: field, clusterId, cwConfigurationId: match?.configurationId ?? null, cwCompanyId: match?.companyId ?? null, fetchedAt: now.toISOString() });
  return match;
}
