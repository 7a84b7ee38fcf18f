import type { ConnectWiseClient, PortalClient } from "../connectors/types";
import type { Db } from "../db/client";
import { completeCommentLinkById, recordPendingComment, setLinkedCwTicket, unlinkCwTicket, type TicketEvent, type TicketStats } from "../db/queries/sync-state";
import type { Operation } from "./plan-types";

export interface ExecuteContext {
  db: Db;
  portal: PortalClient;
  cw: ConnectWiseClient;
  tenantId: string;
  portalTicketId: number;
  runId: string | null;
  /** The linked CW ticket; set by create_cw_ticket. */
  cwTicketId: number | null;
  stats: TicketStats;
  events: TicketEvent[];
  /** The API member seen as creator of a ticket we created (its callbacks are our own). */
  apiMember?: string;
  now: () => string;
}

/**
 * Executes planned operations in order. Each mirrored write is recorded as pending before
 * it is made and completed after, so a crash at any point leaves a record the next plan
 * adopts instead of writing twice. Returns whether anything was written to the portal.
 */
export async function executeOps(ctx: ExecuteContext, ops: Operation[]): Promise<{ portalWrites: number }> {
  let portalWrites = 0;
  for (const op of ops) {
    const detail = await executeOne(ctx, op);
    if (op.kind === "mirror_note_to_portal" || op.kind === "post_description_update") portalWrites++;
    ctx.events.push({
      tenantId: ctx.tenantId,
      portalTicketId: ctx.portalTicketId,
      cwTicketId: ctx.cwTicketId,
      runId: ctx.runId,
      action: op.kind,
      detail,
      at: ctx.now(),
    });
  }
  return { portalWrites };
}

function requireCwTicket(ctx: ExecuteContext): number {
  if (ctx.cwTicketId === null) throw new Error("No ConnectWise ticket to write to (plan out of order)");
  return ctx.cwTicketId;
}

async function executeOne(ctx: ExecuteContext, op: Operation): Promise<string> {
  const { db, tenantId, portalTicketId } = ctx;
  switch (op.kind) {
    case "unlink_deleted_cw_ticket":
      await unlinkCwTicket(db, tenantId, portalTicketId, ctx.now());
      ctx.cwTicketId = null;
      return `ConnectWise ticket #${op.cwTicketId} was deleted there; a new one is created with the full history`;
    case "create_cw_ticket": {
      const ticket = await ctx.cw.createTicket(op.create);
      ctx.cwTicketId = ticket.id;
      if (ticket.enteredBy) ctx.apiMember = ticket.enteredBy;
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
      const linkId = op.linkId ?? (await recordPendingComment(db, { tenantId, portalTicketId, origin: "portal", portalCommentId: op.portalCommentId, contentHash: op.hash }));
      const note = await ctx.cw.addNote(cwTicketId, { text: op.text, internalAnalysisFlag: true });
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
