import type { CwNote, PortalComment } from "../domain/model";
import type { CommentLinkMemory, Operation, Plan, PlanInput, SyncedFields, Warning } from "./plan-types";
import { planFields, planCreate } from "./plan-fields";
import { commentTextForNote, contentHash, descriptionUpdateText, isMirroredPortalComment, noteTextForComment } from "./text";

/** Zendesk refuses comments past this many on one ticket. */
const PORTAL_COMMENT_LIMIT = 5000;

/**
 * The whole sync decision for one ticket, as data: which writes bring the two sides in
 * step, given what each side holds now and what was synced before. Pure: no I/O, no
 * clock. Writes are planned so that replaying the plan after a crash never duplicates:
 * a pending comment link is first matched against what the other side already holds.
 */
export function plan(input: PlanInput): Plan {
  const warnings: Warning[] = [];
  if (!input.cw) {
    if (input.memory.cwTicketId !== null) {
      if (input.resync) {
        // A new ticket with the full history: created now, every portal comment mirrored once
        // by the next pass (the unlink forgets the comment links of the deleted ticket).
        const fresh = planCreate({ ...input, memory: { cwTicketId: null, synced: {}, comments: [] } }, warnings);
        return { ...fresh, ops: [{ kind: "unlink_deleted_cw_ticket", cwTicketId: input.memory.cwTicketId }, ...fresh.ops] };
      }
      warnings.push({
        code: "cw_ticket_missing",
        message: `ConnectWise ticket deleted: #${input.memory.cwTicketId} no longer exists in ConnectWise. Resync the ticket to create a new one with its full history.`,
      });
      return { ops: [], warnings, synced: input.memory.synced };
    }
    // Comments follow once the ticket exists (the executor plans again after creating it).
    return planCreate(input, warnings);
  }
  if (input.cw.mergedParentTicketId !== null && input.cw.mergedParentTicketId !== input.cw.id) {
    // Merged in ConnectWise: follow the parent (comments and notes go there from now on);
    // nothing is created, and the parent's notes from before the merge are not mirrored.
    const synced: SyncedFields = { ...input.memory.synced, mergedFrom: input.cw.id, mergeNotesAfter: -1 };
    return { ops: [{ kind: "follow_merge", fromCwTicketId: input.cw.id, toCwTicketId: input.cw.mergedParentTicketId }], warnings, synced };
  }
  // Comments first: whether the portal has new activity decides what a closed CW ticket does.
  const synced: SyncedFields = { ...input.memory.synced };
  const commentWarnings: Warning[] = [];
  const commentOps = planComments(input, input.cw.id, synced, commentWarnings);
  const portalActivity = commentOps.some((o) => o.kind === "mirror_comment_to_cw");
  const fieldOps = planFields(input, input.cw, warnings, synced, portalActivity);
  return { ops: [...fieldOps, ...commentOps], warnings: [...warnings, ...commentWarnings], synced };
}

function planComments(input: PlanInput, cwTicketId: number, synced: SyncedFields, warnings: Warning[]): Operation[] {
  const { comments, notes, memory, settings, portal } = input;
  const ops: Operation[] = [];
  const byPortalId = new Map(memory.comments.filter((l) => l.portalCommentId !== null).map((l) => [l.portalCommentId!, l]));
  const byNoteId = new Map(memory.comments.filter((l) => l.cwNoteId !== null).map((l) => [l.cwNoteId!, l]));
  const claimedNotes = new Set<number>();
  const claimedComments = new Set<number>();
  /** Pending links adopted by this plan: one written item settles one link. */
  const adopted = new Set<number>();

  const ordered = [...comments].sort((a, b) => a.id - b.id);
  // On a merge parent, notes written before the merge belong to its own history.
  if (synced.mergeNotesAfter === -1) synced.mergeNotesAfter = notes.reduce((max, n) => Math.max(max, n.id), 0);
  const sortedNotes = [...notes].filter((n) => n.id > (synced.mergeNotesAfter ?? 0) || byNoteId.has(n.id)).sort((a, b) => a.id - b.id);
  const descriptionNote = findDescriptionNote(sortedNotes, synced);

  // Portal → ConnectWise. The first comment is the description, already on the ticket.
  for (const comment of ordered.slice(1)) {
    const link = byPortalId.get(comment.id);
    if (link?.state === "done" || link?.origin === "connectwise") continue;
    if (!link && comment.authorId === settings.portalUserId) {
      const ours = pendingMatch(memory.comments, "connectwise", contentHash(comment.body), (l) => l.portalCommentId === null && !adopted.has(l.id));
      if (ours) {
        ops.push({ kind: "adopt_portal_comment", linkId: ours.id, portalCommentId: comment.id });
        claimedComments.add(comment.id);
        adopted.add(ours.id);
        continue;
      }
    }
    const text = noteTextForComment(comment.body, comment.attachmentCount, comment.id);
    const hash = contentHash(text);
    if (link) {
      const written = findUnlinkedNote(sortedNotes, byNoteId, claimedNotes, link.contentHash);
      if (written) {
        ops.push({ kind: "adopt_cw_note", linkId: link.id, cwNoteId: written.id });
        claimedNotes.add(written.id);
        continue;
      }
    }
    ops.push({ kind: "mirror_comment_to_cw", portalCommentId: comment.id, text, hash, linkId: link?.id ?? null });
  }

  // ConnectWise → portal: internal notes, and edits of the initial description.
  const portalWritable = portal.status !== "closed" && comments.length < PORTAL_COMMENT_LIMIT;
  let skipped = 0;
  const toPortal: Operation[] = [];
  if (descriptionNote) {
    const hash = contentHash(descriptionNote.text);
    if (synced.descriptionHash === undefined || synced.descriptionNoteId !== descriptionNote.id) {
      synced.descriptionNoteId = descriptionNote.id;
      synced.descriptionHash = hash;
    } else if (synced.descriptionHash !== hash) {
      const text = descriptionUpdateText(descriptionNote.text, cwTicketId);
      const alreadyPosted = memory.comments.some((l) => l.origin === "connectwise" && l.contentHash === contentHash(text));
      if (alreadyPosted) synced.descriptionHash = hash;
      else if (portalWritable) {
        toPortal.push({ kind: "post_description_update", cwNoteId: descriptionNote.id, text, hash: contentHash(text), public: settings.commentsPublic });
        synced.descriptionHash = hash;
      } else skipped++;
    }
  }
  for (const note of sortedNotes) {
    if (!note.internalAnalysisFlag || note.id === descriptionNote?.id || claimedNotes.has(note.id) || isMirroredPortalComment(note.text)) continue;
    const link = byNoteId.get(note.id);
    if (link && (link.state === "done" || link.origin === "portal" || link.portalCommentId !== null)) continue;
    if (!link && pendingMatch(memory.comments, "portal", contentHash(note.text), (l) => l.cwNoteId === null)) continue;
    const text = commentTextForNote(note.text, note.createdBy, cwTicketId);
    if (link && commentWritten(ordered, settings.portalUserId, link.contentHash, claimedComments)) continue;
    if (!portalWritable) {
      skipped++;
      continue;
    }
    toPortal.push({
      kind: "mirror_note_to_portal",
      cwNoteId: note.id,
      text,
      hash: contentHash(text),
      public: settings.commentsPublic,
      linkId: link?.id ?? null,
    });
  }
  if (skipped > 0) {
    warnings.push(
      portal.status === "closed"
        ? { code: "portal_closed", message: `The portal request is closed: ${skipped} ConnectWise update(s) could not be posted to it.` }
        : {
            code: "portal_comment_limit",
            message: `The portal request has ${PORTAL_COMMENT_LIMIT} comments, Zendesk's limit: ${skipped} update(s) not posted.`,
          },
    );
  }
  return [...ops, ...toPortal];
}

/** The Discussion note ConnectWise made from `initialDescription`: remembered, else the first one. */
function findDescriptionNote(notes: CwNote[], synced: SyncedFields): CwNote | undefined {
  if (synced.descriptionNoteId !== undefined) {
    const known = notes.find((n) => n.id === synced.descriptionNoteId);
    if (known) return known;
  }
  return notes.find((n) => n.detailDescriptionFlag);
}

function pendingMatch(
  links: CommentLinkMemory[],
  origin: CommentLinkMemory["origin"],
  hash: string,
  extra: (l: CommentLinkMemory) => boolean,
): CommentLinkMemory | undefined {
  return links.find((l) => l.origin === origin && l.state === "pending" && l.contentHash === hash && extra(l));
}

function findUnlinkedNote(notes: CwNote[], byNoteId: Map<number, CommentLinkMemory>, claimed: Set<number>, hash: string): CwNote | undefined {
  return notes.find((n) => n.internalAnalysisFlag && !byNoteId.has(n.id) && !claimed.has(n.id) && contentHash(n.text) === hash);
}

function commentWritten(comments: PortalComment[], portalUserId: number, hash: string, claimed: Set<number>): boolean {
  return comments.some((c) => claimed.has(c.id) && c.authorId === portalUserId && contentHash(c.body) === hash);
}
