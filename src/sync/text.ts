/** Text rules of the mapping (docs/design.md, Mapping): pure, shared by planning and recognition. */

/** ConnectWise's limit on a ticket summary. */
const SUMMARY_MAX = 100;
const ELLIPSIS = "…";

/** Subject → summary: at most 100 characters, cut at a word boundary with "…". */
export function summaryFor(subject: string): { summary: string; truncated: boolean } {
  const clean = subject.replace(/\s+/g, " ").trim() || "(no subject)";
  if (clean.length <= SUMMARY_MAX) return { summary: clean, truncated: false };
  const room = clean.slice(0, SUMMARY_MAX - ELLIPSIS.length);
  const cut = room.lastIndexOf(" ");
  const head = (cut >= SUMMARY_MAX / 2 ? room.slice(0, cut) : room).trimEnd();
  return { summary: `${head}${ELLIPSIS}`, truncated: true };
}

/** Whitespace-insensitive form used for recognising text we wrote (systems reflow it). */
function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/\s*\n\s*/g, "\n")
    .trim();
}

/** cyrb53: a fast 53-bit hash, ample to tell one ticket's comments apart. */
export function contentHash(text: string): string {
  const s = normaliseText(text);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}

const attachmentsLine = (count: number) => (count > 0 ? `\n\n[${count} attachment${count === 1 ? "" : "s"} not synced]` : "");

/** The initial description sent on create; a cut summary keeps the full subject here. */
export function initialDescriptionFor(subject: string, description: string, summaryTruncated: boolean, portalTicketId: number): string {
  const body = description.trim() || "(no description)";
  const subjectLine = summaryTruncated ? `Subject: ${subject.trim()}\n\n` : "";
  return `${subjectLine}${body}\n\n[Support Portal request #${portalTicketId}]`;
}

/** A portal comment as a ConnectWise internal note. */
export function noteTextForComment(body: string, attachmentCount: number, portalCommentId: number): string {
  return `[Support Portal comment #${portalCommentId}]\n${body.trim()}${attachmentsLine(attachmentCount)}`;
}

/**
 * A note psa-sync wrote for a portal comment, recognised by its header: on a merge parent
 * it may belong to another portal request, whose requester's words must not cross over.
 */
export const isMirroredPortalComment = (noteText: string): boolean => /^\[Support Portal comment #\d+\]\n/.test(noteText);

/**
 * Zendesk refuses a comment body over 64 KB; psa-sync cuts longer text well below that,
 * on a character boundary, and says where the whole text is, rather than have the comment
 * refused whole.
 */
export const PORTAL_COMMENT_MAX_BYTES = 60_000;

export function cutForPortal(text: string, cwTicketId: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= PORTAL_COMMENT_MAX_BYTES) return text;
  const marker = `\n\n[… cut: the text is longer than the Support Portal accepts; the whole of it is on ConnectWise ticket #${cwTicketId}]`;
  let kept = new TextDecoder().decode(bytes.slice(0, PORTAL_COMMENT_MAX_BYTES - new TextEncoder().encode(marker).length));
  if (kept.endsWith("\uFFFD")) kept = kept.slice(0, -1); // a character cut in half
  return `${kept}${marker}`;
}

/** A ConnectWise internal note as a portal comment. */
export function commentTextForNote(text: string, createdBy: string | null, cwTicketId: number): string {
  return cutForPortal(`[ConnectWise ticket #${cwTicketId}, note by ${createdBy ?? "a technician"}]\n${text.trim()}`, cwTicketId);
}

/** An edit of the initial description in ConnectWise, posted to the portal (descriptions are read-only there). */
export function descriptionUpdateText(text: string, cwTicketId: number): string {
  return cutForPortal(`[Description updated in ConnectWise ticket #${cwTicketId}]\n${text.trim()}`, cwTicketId);
}
