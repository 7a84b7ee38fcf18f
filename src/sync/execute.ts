import type { ConnectWiseClient, PortalClient } from "../connectors/types";
import type { Db } from "../db/client";
import {
  completeCommentLinkById,
  markCreateAttempted,
  recordPendingComment,
  rememberApiMember,
  setLinkedCwTicket,
  unlinkCwTicket,
  type TicketEvent,
  type TicketStats,
} from "../db/queries/sync-state";
import { UpstreamError } from "../connectors/http";
import type { CwTicket } from "../domain/model";
import type { Operation, RefusableField } from "./plan-types";

export interface ExecuteContext {
  db: Db;
  portal: PortalClient;
  cw: ConnectWiseClient;
  tenantId: string;
  portalTicketId: number;
  runId: string | null;
  /** The linked CW ticket; set by create_cw_ticket. */
  cwTicketId: number | null;
  /** The ticket create_cw_ticket made, as ConnectWise answered (planned from without a read). */
  created?: CwTicket;
  stats: TicketStats;
  events: TicketEvent[];
  /** psa-sync's API member as stored, updated from the responses to its own writes (its callbacks are echoes). */
  apiMember: string | null;
  now: () => string;
}

export interface ExecuteResult {
  portalWrites: number;
  /** Field writes ConnectWise refused, with its message: the rest of the plan went on. */
  refused: Partial<Record<RefusableField, string>>;
}

/**
 * Executes planned operations in order. Each mirrored write is recorded as pending before
 * it is made and completed after, so a crash at any point leaves a record the next plan
 * adopts instead of writing twice. A field write ConnectWise refuses (a 400/404/409/422) is
 * reported, not thrown, so one bad field never stops the rest of the ticket; anything
 * else that fails (a 5xx, a timeout) throws and the whole idempotent plan is retried.
 */
export async function executeOps(ctx: ExecuteContext, ops: Operation[]): Promise<ExecuteResult> {
  const result: ExecuteResult = { portalWrites: 0, refused: {} };
  for (const op of ops) {
    if (op.kind === "update_cw_ticket" || op.kind === "attach_configuration") await executeFieldWrite(ctx, op, result.refused);
    else record(ctx, op.kind, await executeOne(ctx, op));
    if (op.kind === "mirror_note_to_portal" || op.kind === "post_description_update") result.portalWrites++;
  }
  return result;
}

function record(ctx: ExecuteContext, action: string, detail: string): void {
  ctx.events.push({ tenantId: ctx.tenantId, portalTicketId: ctx.portalTicketId, cwTicketId: ctx.cwTicketId, runId: ctx.runId, action, detail, at: ctx.now() });
}

/** A write ConnectWise refused as such: the same input would be refused again. */
const isRefusal = (err: unknown): err is UpstreamError => err instanceof UpstreamError && [400, 404, 409, 422].includes(err.httpStatus ?? 0);

type FieldWrite = Extract<Operation, { kind: "update_cw_ticket" | "attach_configuration" }>;

/** One field write; a refused multi-field patch is tried field by field, to refuse only the bad one. */
async function executeFieldWrite(ctx: ExecuteContext, op: FieldWrite, refused: ExecuteResult["refused"]): Promise<void> {
  try {
    record(ctx, op.kind, await executeOne(ctx, op));
    return;
  } catch (err) {
    if (!isRefusal(err)) throw err;
    if (op.kind === "attach_configuration" || op.patch.length === 1) {
      const field = op.kind === "attach_configuration" ? "configuration" : (op.patch[0]!.path as RefusableField);
      refused[field] = err.message;
      record(ctx, "write_refused", `ConnectWise refused the ${field} write: ${err.message}`);
      return;
    }
  }
  for (const [i, p] of op.patch.entries()) await executeFieldWrite(ctx, { ...op, patch: [p], fields: [op.fields[i] ?? p.path] }, refused);
}

function requireCwTicket(ctx: ExecuteContext): number {
  if (ctx.cwTicketId === null) throw new Error("No ConnectWise ticket to write to (plan out of order)");
  return ctx.cwTicketId;
}

async function executeOne(ctx: ExecuteContext, op: Operation): Promise<string> {
  const { db, tenantId, portalTicketId } = ctx;
  switch (op.kind) {
    case "follow_merge":
      await setLinkedCwTicket(db, tenantId, portalTicketId, op.toCwTicketId, ctx.now());
      ctx.cwTicketId = op.toCwTicketId;
      return `ConnectWise ticket #${op.fromCwTicketId} was merged into #${op.toCwTicketId}: comments and notes go to #${op.toCwTicketId} from now on`;
    case "unlink_deleted_cw_ticket":
      await unlinkCwTicket(db, tenantId, portalTicketId, ctx.now());
      ctx.cwTicketId = null;
      return `ConnectWise ticket #${op.cwTicketId} was deleted there; a new one is created with the full history`;
    case "create_cw_ticket": {
      // Recorded first: only a link with an attempt can have an orphan to look up by externalXRef.
      await markCreateAttempted(db, tenantId, portalTicketId);
      const ticket = await ctx.cw.createTicket(op.create);
      ctx.cwTicketId = ticket.id;
      ctx.created = ticket;
      await learnApiMember(ctx, ticket.enteredBy);
      await setLinkedCwTicket(db, tenantId, portalTicketId, ticket.id, ctx.now());
      ctx.stats.created++;
      return `ConnectWise ticket #${ticket.id} created on board ${op.create.boardId}, company ${op.create.companyId}`;
    }
    case "attach_configuration":
      await ctx.cw.attachConfiguration(requireCwTicket(ctx), op.configurationId);
      return `configuration ${op.configurationId} attached${op.reason ? `: ${op.reason}` : ""}`;
    case "update_cw_ticket":
      await ctx.cw.patchTicket(requireCwTicket(ctx), op.patch);
      ctx.stats.updated++;
      return `updated ${op.fields.join(", ")}${op.reason ? `: ${op.reason}` : ""}`;
    case "mirror_comment_to_cw": {
      const cwTicketId = requireCwTicket(ctx);
      const linkId =
        op.linkId ??
        (await recordPendingComment(db, { tenantId, portalTicketId, origin: "portal", portalCommentId: op.portalCommentId, contentHash: op.hash }));
      const note = await ctx.cw.addNote(cwTicketId, { text: op.text, internalAnalysisFlag: true });
      // Learned here too: a tenant whose tickets all exist already never creates one.
      await learnApiMember(ctx, note.createdBy);
      await completeCommentLinkById(db, tenantId, linkId, { cwNoteId: note.id });
      ctx.stats.commentsMirrored++;
      return `portal comment ${op.portalCommentId} → internal note ${note.id}`;
    }
    case "adopt_cw_note":
      await completeCommentLinkById(db, tenantId, op.linkId, { cwNoteId: op.cwNoteId });
      return `internal note ${op.cwNoteId} recognised as already written`;
    case "mirror_note_to_portal":
    case "post_description_update": {
      const origin = op.kind === "mirror_note_to_portal" ? op.cwNoteId : null;
      const linkId = op.kind === "mirror_note_to_portal" ? op.linkId : null;
      if (linkId === null) await recordPendingComment(db, { tenantId, portalTicketId, origin: "connectwise", cwNoteId: origin, contentHash: op.hash });
      await ctx.portal.addComment(portalTicketId, op.text, { public: op.public });
      ctx.stats.notesMirrored++;
      return op.kind === "mirror_note_to_portal" ? `internal note ${op.cwNoteId} → portal comment` : `description edit (note ${op.cwNoteId}) → portal comment`;
    }
    case "adopt_portal_comment":
      await completeCommentLinkById(db, tenantId, op.linkId, { portalCommentId: op.portalCommentId });
      return `portal comment ${op.portalCommentId} recognised as ours`;
  }
}

/**
 * Stored before the next write, not after the batch: ConnectWise calls back right after each
 * write, and those callbacks (the first import's included) must already be recognised as ours.
 */
async function learnApiMember(ctx: ExecuteContext, member: string | null | undefined): Promise<void> {
  if (!member || member === ctx.apiMember) return;
  ctx.apiMember = member;
  await rememberApiMember(ctx.db, ctx.tenantId, member);
}
