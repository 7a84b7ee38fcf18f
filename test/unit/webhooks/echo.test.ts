import { describe, expect, it } from "vitest";
import { mustQueue, PUSH_PENDING_TTL_MS } from "../../../src/webhooks/coalesce";
import { connectwiseEcho, echoOutcome, portalEcho, type CommentLinkFacts, type PortalKnown } from "../../../src/webhooks/echo";
import { contentHash } from "../../../src/sync/text";

const SYNCED = "2026-12-01T10:00:07Z";
const LATER = "2026-12-01T10:00:09Z";

describe("ConnectWise callbacks: echoes", () => {
  const known = { apiMemberIdentifier: "psa-sync-api", cwUpdatedAt: SYNCED };

  it("a change by psa-sync's API member is its own, whatever it did", () => {
    for (const action of ["added", "updated", "deleted"] as const) {
      expect(connectwiseEcho({ action, memberId: "psa-sync-api", lastUpdated: LATER }, known)).toBe("own_member");
    }
  });

  it("a technician's change is queued, unless its version is the one already synced", () => {
    expect(connectwiseEcho({ action: "updated", memberId: "jsmith", lastUpdated: LATER }, known)).toBeNull();
    expect(connectwiseEcho({ action: "updated", memberId: "jsmith", lastUpdated: SYNCED }, known)).toBe("synced_version");
    // The same instant written with a fraction is the same version.
    expect(connectwiseEcho({ action: "updated", memberId: "jsmith", lastUpdated: "2026-12-01T10:00:07.000Z" }, known)).toBe("synced_version");
  });

  it("queues when unsure: no member learned, no member sent, no version, a delete", () => {
    expect(connectwiseEcho({ action: "updated", memberId: "psa-sync-api", lastUpdated: LATER }, { apiMemberIdentifier: null, cwUpdatedAt: SYNCED })).toBeNull();
    expect(connectwiseEcho({ action: "updated", memberId: null, lastUpdated: LATER }, known)).toBeNull();
    expect(connectwiseEcho({ action: "updated", memberId: "jsmith", lastUpdated: null }, known)).toBeNull();
    expect(connectwiseEcho({ action: "updated", memberId: "jsmith", lastUpdated: SYNCED }, { ...known, cwUpdatedAt: null })).toBeNull();
    expect(connectwiseEcho({ action: "deleted", memberId: "jsmith", lastUpdated: SYNCED }, known)).toBeNull();
    // Identifiers are compared exactly: a near miss is someone else.
    expect(connectwiseEcho({ action: "updated", memberId: "PSA-SYNC-API ", lastUpdated: LATER }, known)).toBeNull();
  });
});

describe("Support Portal webhooks: echoes", () => {
  const US = 501;
  const mirroredNote: CommentLinkFacts = { origin: "connectwise", state: "done", portalCommentId: 9001, contentHash: "x" };
  const mirroredComment: CommentLinkFacts = { origin: "portal", state: "done", portalCommentId: 9002, contentHash: "y" };
  const halfMirrored: CommentLinkFacts = { origin: "portal", state: "pending", portalCommentId: 9003, contentHash: "z" };
  const written = "[ConnectWise note by jsmith on #77]\nOn my way.";
  const awaitingId: CommentLinkFacts = { origin: "connectwise", state: "pending", portalCommentId: null, contentHash: contentHash(written) };
  const known: PortalKnown = { portalUserId: US, portalUpdatedAt: SYNCED, links: [mirroredNote, mirroredComment, halfMirrored, awaitingId] };
  const comment = (id: number, authorId: number | null, body: string | null = "text") => ({
    type: "ticket.comment_added",
    updatedAt: LATER,
    comment: { id, authorId, body },
  });

  it("a comment psa-sync wrote is its own; one already mirrored is synced", () => {
    expect(portalEcho(comment(9001, US), known)).toBe("own_comment");
    expect(portalEcho(comment(9002, 777), known)).toBe("already_mirrored");
  });

  it("a comment psa-sync wrote a moment ago (id not yet adopted) is recognised by author and text", () => {
    expect(portalEcho(comment(9100, US, written), known)).toBe("own_comment");
    // Reflowed whitespace is the same text, as the plan's adoption sees it.
    expect(portalEcho(comment(9100, US, written.replace("\n", "\r\n  ")), known)).toBe("own_comment");
  });

  it("the connected user's own new comment is a genuine change: same user, other text", () => {
    // psa-sync connects as the tenant's end user, who also comments: the actor proves nothing.
    expect(portalEcho(comment(9100, US, "Any news?"), known)).toBeNull();
    expect(portalEcho(comment(9100, 777, written), known)).toBeNull();
    expect(portalEcho(comment(9100, US, null), known)).toBeNull();
    expect(portalEcho(comment(9100, null, written), known)).toBeNull();
    expect(portalEcho(comment(9100, US, written), { ...known, portalUserId: null })).toBeNull();
    // Recorded but not yet in ConnectWise: the sync must finish it.
    expect(portalEcho(comment(9003, 777), known)).toBeNull();
  });

  it("other events queue unless their version is the one already synced", () => {
    for (const type of ["ticket.created", "ticket.status_changed", "ticket.priority_changed", "ticket.custom_field_changed"]) {
      expect(portalEcho({ type, updatedAt: LATER, comment: null }, known)).toBeNull();
      expect(portalEcho({ type, updatedAt: SYNCED, comment: null }, known)).toBe("synced_version");
    }
    expect(portalEcho({ type: "ticket.status_changed", updatedAt: null, comment: null }, known)).toBeNull();
    expect(portalEcho({ type: "ticket.status_changed", updatedAt: SYNCED, comment: null }, { ...known, portalUpdatedAt: null })).toBeNull();
    // A comment id only counts on a comment event.
    expect(portalEcho({ type: "ticket.status_changed", updatedAt: LATER, comment: { id: 9001, authorId: US, body: "x" } }, known)).toBeNull();
  });

  it("answers own changes and synced versions differently", () => {
    expect(echoOutcome("own_member")).toBe("ignored: psa-sync's own change");
    expect(echoOutcome("own_comment")).toBe("ignored: psa-sync's own change");
    expect(echoOutcome("already_mirrored")).toBe("ignored: already synced");
    expect(echoOutcome("synced_version")).toBe("ignored: already synced");
  });
});

describe("push coalescing marker", () => {
  const t = 1_800_000_000_000;
  it("queues with no marker, coalesces while one is fresh, queues again once it is stale", () => {
    expect(mustQueue(undefined, t)).toBe(true);
    expect(mustQueue(t, t)).toBe(false);
    expect(mustQueue(t, t + PUSH_PENDING_TTL_MS - 1)).toBe(false);
    expect(mustQueue(t, t + PUSH_PENDING_TTL_MS)).toBe(true);
    // A marker from the future is not trusted.
    expect(mustQueue(t + 5_000, t)).toBe(true);
  });
});
