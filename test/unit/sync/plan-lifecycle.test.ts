import { describe, expect, it } from "vitest";
import { plan } from "../../../src/sync/plan";
import type { Operation, TicketMemory } from "../../../src/sync/plan-types";
import { contentHash } from "../../../src/sync/text";
import { comment, cwTicket, input, note, portalTicket, settings } from "../../factories/sync";

/** What happens to linked tickets in real life (docs/design.md, Lifecycle), decided by the pure planner. */
const kinds = (ops: Operation[]) => ops.map((o) => o.kind);
const description = comment(1, "Node 2 went offline after the update.");
const descriptionNote = note(100, "Node 2 went offline after the update.", { detailDescriptionFlag: true, internalAnalysisFlag: false });
const memory = (over: Partial<TicketMemory["synced"]> = {}): TicketMemory => ({
  cwTicketId: 5001,
  synced: {
    subjectHash: contentHash("Cluster node offline"),
    priority: "high",
    status: "open",
    clusterId: "CZJ1234ABC",
    clusterMatchId: 77,
    descriptionNoteId: 100,
    descriptionHash: contentHash("Node 2 went offline after the update."),
    ...over,
  },
  comments: [],
});
const existing = (over: Parameters<typeof input>[0] = {}) => input({ cw: cwTicket(), notes: [descriptionNote], memory: memory(), ...over });
const patchOf = (ops: Operation[]) => ops.find((o) => o.kind === "update_cw_ticket");

describe("closed in ConnectWise, open in the portal", () => {
  const closed = cwTicket({ closedFlag: true, status: { id: 14, name: "Closed" } });
  const newComment = [description, comment(2, "It broke again.")];

  it("a new portal comment reopens it to the mapped status of the portal's current status, saying why", () => {
    const p = plan(existing({ cw: closed, comments: newComment }));
    expect(patchOf(p.ops)).toEqual({
      kind: "update_cw_ticket",
      patch: [{ op: "replace", path: "status", value: { id: 11 } }],
      fields: ["status"],
      reason: expect.stringContaining("reopened"),
    });
    expect(kinds(p.ops)).toEqual(["update_cw_ticket", "mirror_comment_to_cw"]);
  });

  it("a portal status change reopens it too", () => {
    const p = plan(existing({ cw: closed, portal: portalTicket({ status: "pending" }) }));
    expect(patchOf(p.ops)).toMatchObject({ patch: [{ op: "replace", path: "status", value: { id: 12 } }], reason: expect.stringContaining("reopened") });
    expect(p.synced.status).toBe("pending");
  });

  it("with 'leave it closed and warn', the comment lands on the closed ticket and the ticket is flagged", () => {
    const p = plan(existing({ cw: closed, comments: newComment, settings: settings({ closedTicketActivity: "warn" }) }));
    expect(kinds(p.ops)).toEqual(["mirror_comment_to_cw"]);
    expect(p.warnings.map((w) => w.code)).toEqual(["cw_closed"]);
  });

  it("nothing new in the portal: a ticket closed by a technician stays closed", () => {
    expect(plan(existing({ cw: closed })).ops).toEqual([]);
  });

  it("a portal that is solved too leaves it closed", () => {
    const p = plan(existing({ cw: closed, portal: portalTicket({ status: "solved" }), memory: memory({ status: "solved" }), comments: newComment }));
    expect(kinds(p.ops)).toEqual(["mirror_comment_to_cw"]);
  });
});

describe("moved to another board by a technician", () => {
  const moved = cwTicket({ board: { id: 2, name: "Help Desk" }, status: { id: 21, name: "Waiting" } });

  it("is never moved back; its status is not written there (warned), everything else still syncs", () => {
    const p = plan(existing({ cw: moved, portal: portalTicket({ status: "pending", priority: "urgent" }), comments: [description, comment(2, "Any news?")] }));
    expect(patchOf(p.ops)).toEqual({ kind: "update_cw_ticket", patch: [{ op: "replace", path: "priority", value: { id: 1 } }], fields: ["priority"] });
    expect(JSON.stringify(p.ops)).not.toContain('"board"');
    expect(kinds(p.ops)).toEqual(["update_cw_ticket", "mirror_comment_to_cw"]);
    expect(p.warnings.map((w) => w.code)).toEqual(["other_board"]);
    // Still pending: applied once the ticket is back on the tenant's board.
    expect(p.synced.status).toBe("open");
    const back = plan(existing({ portal: portalTicket({ status: "pending" }), memory: { ...memory(), synced: p.synced } }));
    expect(patchOf(back.ops)).toMatchObject({ patch: [{ op: "replace", path: "status", value: { id: 12 } }] });
  });
});

describe("a ClusterID that matches later, or none at all", () => {
  it("moves a ticket from the catch-all company to the match's company and attaches the configuration, once", () => {
    const onCatchAll = cwTicket({ company: { id: 999, name: "Catch-All" } });
    const p = plan(existing({ cw: onCatchAll, memory: memory({ clusterMatchId: 0 }), match: { configurationId: 78, companyId: 301 } }));
    expect(p.ops).toEqual([
      {
        kind: "update_cw_ticket",
        patch: [{ op: "replace", path: "company", value: { id: 301 } }],
        fields: ["company"],
        reason: expect.stringContaining("now matches configuration #78"),
      },
      { kind: "attach_configuration", configurationId: 78, reason: expect.stringContaining("now matches configuration #78") },
    ]);
    expect(p.warnings).toEqual([]);
    expect(
      plan(
        existing({
          cw: cwTicket({ company: { id: 301, name: "Fabrikam" } }),
          memory: { ...memory(), synced: p.synced },
          match: { configurationId: 78, companyId: 301 },
        }),
      ).ops,
    ).toEqual([]);
  });

  it("does not move a ticket a technician already put on another company, but still attaches the configuration", () => {
    const p = plan(
      existing({
        cw: cwTicket({ company: { id: 555, name: "Elsewhere" } }),
        memory: memory({ clusterMatchId: 0 }),
        match: { configurationId: 78, companyId: 301 },
      }),
    );
    expect(kinds(p.ops)).toEqual(["attach_configuration"]);
  });

  it("still unmatched: warned on every sync; no ClusterID at all: its own warning", () => {
    expect(plan(existing({ memory: memory({ clusterMatchId: 0 }), match: null })).warnings.map((w) => w.code)).toEqual(["unmatched_cluster"]);
    const none = plan(existing({ portal: portalTicket({ clusterId: null }), memory: memory({ clusterId: "", clusterMatchId: 0 }), match: null }));
    expect(none.warnings.map((w) => w.code)).toEqual(["missing_cluster"]);
    expect(plan(input({ portal: portalTicket({ clusterId: null }), match: null })).warnings.map((w) => w.code)).toEqual(["missing_cluster"]);
  });
});

describe("deleted in ConnectWise", () => {
  it("is warned as deleted; a resync forgets it and creates a new ticket (comments follow in the next pass)", () => {
    expect(plan(input({ memory: memory() })).warnings.map((w) => w.code)).toEqual(["cw_ticket_missing"]);
    const p = plan(input({ memory: memory(), resync: true, comments: [description, comment(2, "More.")] }));
    expect(kinds(p.ops)).toEqual(["unlink_deleted_cw_ticket", "create_cw_ticket", "attach_configuration"]);
    expect(p.ops[0]).toEqual({ kind: "unlink_deleted_cw_ticket", cwTicketId: 5001 });
  });
});

describe("a field write ConnectWise refused", () => {
  const refused = { status: { input: "open", message: "Status not found" } };

  it("is not planned again while its input is the same, and stays warned with the field and the fix", () => {
    const p = plan(existing({ memory: memory({ refused }), comments: [description, comment(2, "Still broken.")] }));
    expect(kinds(p.ops)).toEqual(["mirror_comment_to_cw"]);
    expect(p.warnings).toEqual([{ code: "write_refused", message: expect.stringMatching(/refused the status write: "Status not found".*status mapping/) }]);
    expect(p.synced.refused).toEqual(refused);
  });

  it("is planned again, and forgotten, once its input changes", () => {
    const p = plan(existing({ portal: portalTicket({ status: "pending" }), memory: memory({ refused }) }));
    expect(patchOf(p.ops)).toMatchObject({ patch: [{ op: "replace", path: "status", value: { id: 12 } }] });
    expect(p.warnings).toEqual([]);
    expect(p.synced.refused).toBeUndefined();
  });
});

describe("merged in ConnectWise", () => {
  it("follows the parent and creates nothing", () => {
    const p = plan(existing({ cw: cwTicket({ closedFlag: true, mergedParentTicketId: 6001 }), comments: [description, comment(2, "New.")] }));
    expect(p.ops).toEqual([{ kind: "follow_merge", fromCwTicketId: 5001, toCwTicketId: 6001 }]);
    expect(p.synced).toMatchObject({ mergedFrom: 5001, mergeNotesAfter: -1 });
  });

  it("on the parent: its notes from before the merge, and another request's mirrored comments, do not cross", () => {
    const parent = cwTicket({ id: 6001 });
    const before = note(610, "Parent's own history.");
    const otherRequest = note(620, "[Support Portal comment #77]\nAnother requester's words.");
    const after = note(630, "Both sites: replacing the switch.");
    const first = plan(existing({ cw: parent, notes: [before], memory: memory({ mergedFrom: 5001, mergeNotesAfter: -1 }) }));
    expect(first.ops).toEqual([]);
    expect(first.synced.mergeNotesAfter).toBe(610);
    const later = plan(existing({ cw: parent, notes: [before, otherRequest, after], memory: { ...memory(), synced: first.synced } }));
    expect(later.ops).toEqual([expect.objectContaining({ kind: "mirror_note_to_portal", cwNoteId: 630 })]);
  });
});
