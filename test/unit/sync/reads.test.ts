import { describe, expect, it } from "vitest";
import type { CwTicket, PortalTicket } from "../../../src/domain/model";
import type { TicketMemory } from "../../../src/sync/plan-types";
import { commentsNeeded, cwSource, notesToRead, portalSource, type LinkMemory } from "../../../src/sync/reads";
import { identityCheckDue, IDENTITY_CHECK_EVERY_MS } from "../../../src/sync/portal-identity";

const V1 = "2026-12-02T06:00:00Z";
const V2 = "2026-12-02T06:05:00Z";
const request = (updatedAt: string) =>
  ({
    id: 7,
    subject: "s",
    description: "d",
    status: "open",
    priority: "normal",
    clusterId: null,
    requesterId: 1,
    organizationId: null,
    createdAt: V1,
    updatedAt,
  }) satisfies PortalTicket;
const ticket = (lastUpdated: string, id = 70) =>
  ({
    id,
    summary: "s",
    board: null,
    status: null,
    priority: null,
    company: null,
    externalXRef: null,
    closedFlag: false,
    mergedParentTicketId: null,
    lastUpdated,
    enteredBy: null,
  }) satisfies CwTicket;
const link = (over: Partial<LinkMemory> = {}): LinkMemory => ({
  cwTicketId: 70,
  portalUpdatedAt: V1,
  cwUpdatedAt: V1,
  lastCwNoteId: 40,
  cwCreateAttempted: true,
  portalSnapshot: request(V1),
  warnings: [],
  ...over,
});
const memory = (over: Partial<TicketMemory> = {}): TicketMemory => ({ cwTicketId: 70, synced: { descriptionNoteId: 3 }, comments: [], ...over });
const pending = memory({ comments: [{ id: 1, origin: "portal", portalCommentId: 9, cwNoteId: null, contentHash: "h", state: "pending" }] });

describe("the portal request: a copy or a read", () => {
  it("uses the listing's copy when it is not older than the version synced, and reads a late one", () => {
    expect(portalSource(link(), { portal: request(V2), observedAt: 1 }, memory())).toMatchObject({ from: "message" });
    expect(portalSource(link(), { portal: request(V1), observedAt: 1 }, memory())).toMatchObject({ from: "message" });
    expect(portalSource(link({ portalUpdatedAt: V2 }), { portal: request(V1), observedAt: 1 }, memory())).toEqual({ from: "read" });
    // Unsettled (null) recorded version: the stored copy's version still bounds a late message.
    expect(portalSource(link({ portalUpdatedAt: null, portalSnapshot: request(V2) }), { portal: request(V1), observedAt: 1 }, memory())).toEqual({
      from: "read",
    });
  });

  it("uses the stored copy only when the run's portal listing found it unchanged and it is the version synced", () => {
    expect(portalSource(link(), { reason: "connectwise_changed", portalUnchanged: true }, memory())).toMatchObject({ from: "stored" });
    expect(portalSource(link(), { reason: "connectwise_changed" }, memory())).toEqual({ from: "read" });
    expect(portalSource(link({ portalUpdatedAt: null }), { portalUnchanged: true }, memory())).toEqual({ from: "read" });
  });

  it("reads when anything is unsettled or an admin asked for a resync", () => {
    expect(portalSource(link(), { portal: request(V2), observedAt: 1, reason: "resync" }, memory())).toEqual({ from: "read" });
    expect(portalSource(link(), { portal: request(V2), observedAt: 1 }, pending)).toEqual({ from: "read" });
  });
});

describe("comments", () => {
  it("are read when the request's version differs from the one synced, for a new ticket, and while a comment is pending", () => {
    expect(commentsNeeded(request(V1), link(), {}, memory())).toBe(false);
    expect(commentsNeeded(request(V2), link(), {}, memory())).toBe(true);
    expect(commentsNeeded(request(V1), undefined, {}, memory())).toBe(true);
    expect(commentsNeeded(request(V1), link({ cwTicketId: null }), {}, memory())).toBe(true);
    expect(commentsNeeded(request(V1), link(), {}, pending)).toBe(true);
    expect(commentsNeeded(request(V1), link(), { reason: "resync" }, memory())).toBe(true);
  });
});

describe("the ConnectWise ticket and its notes", () => {
  it("looks a ticket up by externalXRef only when a create was attempted", () => {
    expect(cwSource(link({ cwTicketId: null, cwCreateAttempted: false }), {}, memory())).toEqual({ from: "none", lookup: false });
    expect(cwSource(link({ cwTicketId: null, cwCreateAttempted: true }), {}, memory())).toEqual({ from: "none", lookup: true });
    expect(cwSource(undefined, {}, memory())).toEqual({ from: "none", lookup: false });
  });

  it("uses the listing's copy of the linked ticket unless it is older than the version synced", () => {
    expect(cwSource(link(), { cw: ticket(V2), observedAt: 5 }, memory())).toEqual({
      from: "message",
      ticket: ticket(V2),
      observedAt: 5,
      notes: { afterId: 40, alsoIds: [3] },
    });
    // Unchanged since the last sync: no notes read at all.
    expect(cwSource(link(), { cw: ticket(V1), observedAt: 5 }, memory())).toMatchObject({ from: "message", notes: null });
    expect(cwSource(link({ cwUpdatedAt: V2 }), { cw: ticket(V1), observedAt: 5 }, memory())).toEqual({ from: "read", full: false });
    expect(cwSource(link(), { cw: ticket(V2, 71), observedAt: 5 }, memory())).toEqual({ from: "read", full: false });
  });

  it("reads every note while something waits on them: a pending comment, a closed request's unposted notes, a resync", () => {
    expect(cwSource(link(), { cw: ticket(V2), observedAt: 5 }, pending)).toEqual({ from: "read", full: true });
    expect(cwSource(link({ warnings: [{ code: "portal_closed" }] }), { cw: ticket(V2), observedAt: 5 }, memory())).toEqual({ from: "read", full: true });
    expect(cwSource(link(), { reason: "resync" }, memory())).toEqual({ from: "read", full: true });
  });

  it("reads notes past the last seen plus the description note; all of them when the description note or a merge parent's are not known yet", () => {
    expect(notesToRead(link(), memory(), V1, false)).toBeNull();
    expect(notesToRead(link(), memory(), V2, false)).toEqual({ afterId: 40, alsoIds: [3] });
    expect(notesToRead(link(), memory(), V1, true)).toEqual({ afterId: 0, alsoIds: [] });
    expect(notesToRead(link(), memory({ synced: {} }), V2, false)).toEqual({ afterId: 0, alsoIds: [] });
    expect(notesToRead(link(), memory({ synced: { descriptionNoteId: 3, mergeNotesAfter: -1 } }), V2, false)).toEqual({ afterId: 0, alsoIds: [] });
    expect(notesToRead(link({ lastCwNoteId: 2 }), memory(), V2, false)).toEqual({ afterId: 2, alsoIds: [] });
  });
});

describe("the identity check's cadence", () => {
  const now = Date.parse("2026-12-02T06:00:00Z");
  const row = { identityCheckedAt: new Date(now - 60_000).toISOString(), authMode: "api_token" as const, accessTokenExpiresAt: null, portalUserId: 5 };

  it("is due for new credentials, an hour after the last check, and before an OAuth token is refreshed", () => {
    expect(identityCheckDue(row, now, 30 * 60_000)).toBe(false);
    expect(identityCheckDue({ ...row, identityCheckedAt: null }, now, 30 * 60_000)).toBe(true);
    expect(identityCheckDue({ ...row, portalUserId: null }, now, 30 * 60_000)).toBe(true);
    expect(identityCheckDue({ ...row, identityCheckedAt: new Date(now - IDENTITY_CHECK_EVERY_MS).toISOString() }, now, 30 * 60_000)).toBe(true);
    const oauth = { ...row, authMode: "oauth" as const };
    expect(identityCheckDue({ ...oauth, accessTokenExpiresAt: new Date(now + 90 * 60_000).toISOString() }, now, 30 * 60_000)).toBe(false);
    expect(identityCheckDue({ ...oauth, accessTokenExpiresAt: new Date(now + 20 * 60_000).toISOString() }, now, 30 * 60_000)).toBe(true);
  });
});
