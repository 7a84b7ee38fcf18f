import { contentHash } from "../sync/text";

/**
 * Is a push event the echo of psa-sync's own write, or of a change a sync already read?
 * Such an event is answered without queueing a sync: that sync would read both systems
 * (four calls) to find nothing to do. Every rule here needs proof; anything else queues
 * (the event of a genuine change must never be dropped).
 *
 * Not a rule: "the portal actor is psa-sync's portal user". psa-sync connects as the
 * tenant's own end user, the same user whose people file and comment on requests, so
 * that actor is also how genuine changes arrive.
 */
export type EchoReason =
  /** The ConnectWise change was made by psa-sync's own API member. */
  | "own_member"
  /** The portal comment is one psa-sync wrote (a mirrored note or description edit). */
  | "own_comment"
  /** The portal comment is already mirrored to ConnectWise. */
  | "already_mirrored"
  /** The event's version is the one the last sync read, after its second had ended. */
  | "synced_version";

/** Same instant (both systems stamp whole seconds; formats may differ in the fraction). */
function sameVersion(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isNaN(x) || Number.isNaN(y) ? a === b : x === y;
}

export interface CallbackFacts {
  action: "added" | "updated" | "deleted";
  /** `MemberId`: the member whose change caused the callback. */
  memberId: string | null;
  /** The entity's `_info.lastUpdated` (absent on a delete). */
  lastUpdated: string | null;
}

export interface CwKnown {
  /** psa-sync's API member, learned from the responses to its own writes. */
  apiMemberIdentifier: string | null;
  /** The linked ticket's ConnectWise version the last sync read (only ever a settled one). */
  cwUpdatedAt: string | null;
}

export function connectwiseEcho(cb: CallbackFacts, known: CwKnown): EchoReason | null {
  if (known.apiMemberIdentifier && cb.memberId === known.apiMemberIdentifier) return "own_member";
  // A delete is never "already read": the sync must see the ticket gone.
  if (cb.action !== "deleted" && sameVersion(cb.lastUpdated, known.cwUpdatedAt)) return "synced_version";
  return null;
}

export interface PortalEventFacts {
  /** The event type without its `zen:event-type:` prefix, e.g. `ticket.comment_added`. */
  type: string;
  /** `detail.updated_at`: the ticket's version after the change. */
  updatedAt: string | null;
  /** `event.comment` of a `ticket.comment_added`. */
  comment: { id: number; authorId: number | null; body: string | null } | null;
}

export interface CommentLinkFacts {
  origin: "portal" | "connectwise";
  state: "pending" | "done";
  portalCommentId: number | null;
  contentHash: string;
}

export interface PortalKnown {
  /** psa-sync's portal user (the tenant's connected end user). */
  portalUserId: number | null;
  /** The request's version the last sync read (only ever a settled one). */
  portalUpdatedAt: string | null;
  /** The ticket's comment links (mirrored items, and writes recorded before they were made). */
  links: CommentLinkFacts[];
}

export function portalEcho(event: PortalEventFacts, known: PortalKnown): EchoReason | null {
  if (sameVersion(event.updatedAt, known.portalUpdatedAt)) return "synced_version";
  const comment = event.type === "ticket.comment_added" ? event.comment : null;
  if (!comment) return null;
  const link = known.links.find((l) => l.portalCommentId === comment.id);
  if (link?.origin === "connectwise") return "own_comment";
  if (link?.state === "done") return "already_mirrored";
  // Written by psa-sync a moment ago, before the sync adopted its id: the same test the
  // plan's adoption uses (our user, the text of a write recorded as pending).
  if (!link && comment.authorId !== null && comment.authorId === known.portalUserId && comment.body !== null) {
    const hash = contentHash(comment.body);
    const pending = known.links.some((l) => l.origin === "connectwise" && l.state === "pending" && l.portalCommentId === null && l.contentHash === hash);
    if (pending) return "own_comment";
  }
  return null;
}

/** What the hook answers for an echo. */
export const echoOutcome = (reason: EchoReason) =>
  reason === "own_member" || reason === "own_comment" ? "ignored: psa-sync's own change" : "ignored: already synced";
