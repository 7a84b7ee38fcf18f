import { commentTextForNote, noteTextForComment } from "../../src/sync/text";
import { technician, type PortalCommentJson } from "./sandbox-actors";

/**
 * An independent checker: reads both systems through their own APIs and counts what the
 * mapping promises — one CW ticket per request, one internal note per customer comment,
 * one portal comment per technician note — plus duplicates, echoes and diverged fields.
 */
export interface ConvergenceReport {
  tickets: { expected: number; found: number; duplicated: number };
  commentsToCw: { expected: number; found: number; duplicated: number };
  notesToPortal: { expected: number; found: number; duplicated: number };
  echoes: number;
  diverged: number;
}

const MIRRORED_NOTE = /^\[ConnectWise ticket #\d+, note by [^\]]*\]\n/;
const MIRRORED_COMMENT = /^\[Support Portal comment #\d+\]\n/;

export async function checkConvergence(
  tenantId: string,
  requests: { id: number; subject: string }[],
  readComments: (requestId: number) => Promise<PortalCommentJson[]>,
): Promise<ConvergenceReport> {
  const report: ConvergenceReport = {
    tickets: { expected: requests.length, found: 0, duplicated: 0 },
    commentsToCw: { expected: 0, found: 0, duplicated: 0 },
    notesToPortal: { expected: 0, found: 0, duplicated: 0 },
    echoes: 0,
    diverged: 0,
  };
  const tickets = await technician.ticketsLinkedTo(tenantId);
  for (const r of requests) {
    const mine = tickets.filter((t) => t.externalXRef === `psa-sync:${tenantId}:${r.id}`);
    if (mine.length === 0) continue;
    report.tickets.found++;
    report.tickets.duplicated += mine.length - 1;
    const ticket = mine[0]!;
    if (ticket.summary !== r.subject.replace(/\s+/g, " ").trim().slice(0, 100) && !ticket.summary.endsWith("…")) report.diverged++;

    const comments = await readComments(r.id);
    const notes = (await technician.notes(ticket.id)).filter((n) => n.internalAnalysisFlag);
    // Customer comments (not the description, not our mirrors) → one internal note each.
    for (const c of comments.slice(1).filter((c) => !MIRRORED_NOTE.test(c.body))) {
      report.commentsToCw.expected++;
      const copies = notes.filter((n) => n.text === noteTextForComment(c.body, 0, c.id)).length;
      if (copies > 0) report.commentsToCw.found++;
      report.commentsToCw.duplicated += Math.max(0, copies - 1);
    }
    // Technician notes (not our mirrors) → one portal comment each.
    for (const n of notes.filter((n) => !MIRRORED_COMMENT.test(n.text))) {
      report.notesToPortal.expected++;
      const prefix = commentTextForNote(n.text, "\u0000", ticket.id).split("\u0000")[0]!;
      const copies = comments.filter((c) => c.body.startsWith(prefix) && c.body.endsWith(`]\n${n.text.trim()}`)).length;
      if (copies > 0) report.notesToPortal.found++;
      report.notesToPortal.duplicated += Math.max(0, copies - 1);
    }
    // Echoes: a mirror of a mirror, on either side.
    report.echoes += notes.filter((n) => MIRRORED_COMMENT.test(n.text) && MIRRORED_NOTE.test(n.text.replace(MIRRORED_COMMENT, ""))).length;
    report.echoes += comments.filter((c) => MIRRORED_NOTE.test(c.body) && MIRRORED_COMMENT.test(c.body.replace(MIRRORED_NOTE, ""))).length;
  }
  return report;
}

/** True when nothing is missing, doubled, echoed or diverged. */
export const converged = (r: ConvergenceReport) =>
  r.tickets.found === r.tickets.expected &&
  r.commentsToCw.found === r.commentsToCw.expected &&
  r.notesToPortal.found === r.notesToPortal.expected &&
  r.tickets.duplicated + r.commentsToCw.duplicated + r.notesToPortal.duplicated + r.echoes + r.diverged === 0;
