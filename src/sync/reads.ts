import type { CwTicket, PortalTicket } from "../domain/model";
import type { TicketMemory } from "./plan-types";

/**
 * What a ticket sync must read, decided from what the link remembers and what its message
 * carries. Pure. A copy is used only when it is not older than the version already synced
 * (a late or redelivered message reads instead); the portal's stored copy only when the
 * run's portal listing just reported it unchanged. Recorded versions never pass what was seen,
 * so a change a copy hid is still found by the next listing.
 */

export interface LinkMemory {
  cwTicketId: number | null;
  portalUpdatedAt: string | null;
  cwUpdatedAt: string | null;
  lastCwNoteId: number;
  cwCreateAttempted: boolean;
  portalSnapshot: PortalTicket | null;
  warnings: { code: string }[];
}

export interface SyncHints {
  reason?: string;
  portal?: PortalTicket;
  cw?: CwTicket;
  observedAt?: number;
  portalUnchanged?: boolean;
}

/** Where the request comes from: the message's copy, the link's copy (portal unchanged), or a read. */
export type PortalSource = { from: "message"; request: PortalTicket; observedAt: number } | { from: "stored"; request: PortalTicket } | { from: "read" };

/** Warnings that leave ConnectWise notes unposted: those notes are read again until posted. */
export const NOTES_WAITING = new Set(["portal_closed", "portal_comment_limit"]);

const hasPending = (memory: TicketMemory) => memory.comments.some((c) => c.state === "pending");

export function portalSource(link: LinkMemory | undefined, hints: SyncHints, memory: TicketMemory): PortalSource {
  if (hints.reason === "resync" || hasPending(memory)) return { from: "read" };
  const recorded = link?.portalUpdatedAt ?? null;
  const known = [recorded, link?.portalSnapshot?.updatedAt ?? null].reduce<string>((max, v) => (v !== null && v > max ? v : max), "");
  if (hints.portal && hints.observedAt !== undefined && hints.portal.updatedAt >= known)
    return { from: "message", request: hints.portal, observedAt: hints.observedAt };
  // The run's portal listing just found it unchanged: planned from its last synced copy.
  if (hints.portalUnchanged && link?.portalSnapshot && recorded !== null && link.portalSnapshot.updatedAt === recorded)
    return { from: "stored", request: link.portalSnapshot };
  return { from: "read" };
}

/** Comments are read when the request changed since the last sync, or anything of it is unsettled. */
export function commentsNeeded(request: PortalTicket, link: LinkMemory | undefined, hints: SyncHints, memory: TicketMemory): boolean {
  return hints.reason === "resync" || !link || link.cwTicketId === null || link.portalUpdatedAt !== request.updatedAt || hasPending(memory);
}

/** Where the ConnectWise ticket comes from, and which notes to read. */
export type CwSource =
  | { from: "message"; ticket: CwTicket; observedAt: number; notes: NotesRead }
  /** `full`: read every note, whatever the version. */
  | { from: "read"; full: boolean }
  /** No ticket linked: look one up by externalXRef only if a create was attempted. */
  | { from: "none"; lookup: boolean };

/** `afterId` and the older notes still watched; null: no notes changed. */
export type NotesRead = { afterId: number; alsoIds: number[] } | null;

export function cwSource(link: LinkMemory | undefined, hints: SyncHints, memory: TicketMemory): CwSource {
  if (!link || link.cwTicketId === null) return { from: "none", lookup: link?.cwCreateAttempted ?? false };
  const full = hints.reason === "resync" || hasPending(memory) || link.warnings.some((w) => NOTES_WAITING.has(w.code));
  const recorded = link.cwUpdatedAt;
  if (!full && hints.cw && hints.observedAt !== undefined && hints.cw.id === link.cwTicketId && hints.cw.lastUpdated >= (recorded ?? "")) {
    return { from: "message", ticket: hints.cw, observedAt: hints.observedAt, notes: notesToRead(link, memory, hints.cw.lastUpdated, false) };
  }
  return { from: "read", full };
}

/**
 * Notes of a ticket whose version is `version`: none when it is the one synced (a note
 * moves the ticket's lastUpdated); else those past the last seen, plus the description note
 * (its edits keep its id); all of them when anything about them is not yet known.
 */
export function notesToRead(link: LinkMemory, memory: TicketMemory, version: string, full: boolean): NotesRead {
  if (!full && version === link.cwUpdatedAt) return null;
  const description = memory.synced.descriptionNoteId;
  if (full || description === undefined || memory.synced.mergeNotesAfter === -1) return { afterId: 0, alsoIds: [] };
  return { afterId: link.lastCwNoteId, alsoIds: description <= link.lastCwNoteId ? [description] : [] };
}
