import { describe, expect, it } from "vitest";
import { plan } from "../../../src/sync/plan";
import type { Operation, TicketMemory } from "../../../src/sync/plan-types";
import { commentTextForNote, contentHash, noteTextForComment } from "../../../src/sync/text";
import { comment, cwTicket, input, note, OUR_PORTAL_USER, portalTicket, settings } from "../../factories/sync";

const kinds = (ops: Operation[]) => ops.map((o) => o.kind);

/** Memory after a clean first sync of the default ticket. */
const synced = (over: Partial<TicketMemory> = {}): TicketMemory => ({
  cwTicketId: 5001,
  synced: {
    subjectHash: contentHash("Cluster node offline"),
    priority: "high",
    status: "open",
    clusterId: "CZJ1234ABC",
    descriptionNoteId: 100,
    descriptionHash: contentHash("Node 2 went offline after the update."),
  },
  comments: [],
  ...over,
});
const descriptionNote = note(100, "Node 2 went offline after the update.", { detailDescriptionFlag: true, internalAnalysisFlag: false });
const existing = (over: Parameters<typeof input>[0] = {}) => input({ cw: cwTicket(), notes: [descriptionNote], memory: synced(), ...over });

describe("plan: first sync creates the ConnectWise ticket", () => {
  it("creates with mapped fields, matched company and configuration, and the externalXRef", () => {
    const p = plan(input());
    expect(p.ops).toEqual([
      {
        kind: "create_cw_ticket",
        create: {
          summary: "Cluster node offline",
          initialDescription: "Node 2 went offline after the update.\n\n[Support Portal request #42]",
          boardId: 1,
          companyId: 300,
          statusId: 11,
          priorityId: 2,
          externalXRef: "psa-sync:t1:42",
        },
      },
      { kind: "attach_configuration", configurationId: 77 },
    ]);
    expect(p.warnings).toEqual([]);
    expect(p.synced).toMatchObject({ priority: "high", status: "open", clusterId: "CZJ1234ABC" });
  });

  it("puts an unmatched ClusterID on the default company with a warning", () => {
    const p = plan(input({ match: null, portal: portalTicket({ clusterId: "CZJ0000ZZZ" }) }));
    expect(p.ops).toEqual([expect.objectContaining({ kind: "create_cw_ticket", create: expect.objectContaining({ companyId: 999 }) })]);
    expect(p.warnings.map((w) => w.code)).toEqual(["unmatched_cluster"]);
  });

  it("creates nothing without a board or a company, and says what to set", () => {
    const p = plan(input({ match: null, settings: settings({ boardId: null, defaultCompanyId: null }) }));
    expect(p.ops).toEqual([]);
    expect(p.warnings.map((w) => w.code)).toEqual(["no_board", "no_company"]);
    expect(p.warnings[0]!.message).toMatch(/Advanced Settings/);
  });

  it("still creates when priority is unmapped, leaving priority unset and warning", () => {
    const p = plan(input({ settings: settings({ priorityMap: {} }) }));
    expect(p.ops[0]).toMatchObject({ kind: "create_cw_ticket", create: { priorityId: undefined } });
    expect(p.warnings.map((w) => w.code)).toEqual(["unmapped_priority"]);
    expect(p.synced.priority).toBeUndefined();
  });

  it("plans no comments until the ticket exists", () => {
    const p = plan(input({ comments: [comment(1, "desc"), comment(2, "more")] }));
    expect(kinds(p.ops)).toEqual(["create_cw_ticket", "attach_configuration"]);
  });
});

describe("plan: fields are pushed only when the portal changed them", () => {
  it("does nothing when nothing changed", () => {
    const p = plan(existing());
    expect(p.ops).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  it("does not fight a technician's priority change in ConnectWise", () => {
    const p = plan(existing({ cw: cwTicket({ priority: { id: 1, name: "Priority 1" } }) }));
    expect(p.ops).toEqual([]);
  });

  it("pushes a portal priority, status and subject change in one patch", () => {
    const p = plan(existing({ portal: portalTicket({ priority: "urgent", status: "solved", subject: "Cluster node offline again" }) }));
    expect(p.ops).toEqual([
      {
        kind: "update_cw_ticket",
        patch: [
          { op: "replace", path: "summary", value: "Cluster node offline again" },
          { op: "replace", path: "priority", value: { id: 1 } },
          { op: "replace", path: "status", value: { id: 13 } },
        ],
        fields: ["summary", "priority", "status"],
      },
    ]);
    expect(p.synced).toMatchObject({ priority: "urgent", status: "solved" });
  });

  it("warns and keeps trying when a status is unmapped or maps to an open status for solved", () => {
    const unmapped = plan(existing({ portal: portalTicket({ status: "pending" }), settings: settings({ statusMap: { open: { id: 11, closed: false } } }) }));
    expect(unmapped.ops).toEqual([]);
    expect(unmapped.warnings.map((w) => w.code)).toEqual(["unmapped_status"]);
    expect(unmapped.synced.status).toBe("open");

    const notClosed = plan(existing({ portal: portalTicket({ status: "solved" }), settings: settings({ statusMap: { solved: { id: 11, closed: false } } }) }));
    expect(notClosed.warnings.map((w) => w.code)).toEqual(["status_not_closed"]);
  });

  it("moves the ticket to the new company and attaches the configuration when the ClusterID changes", () => {
    const p = plan(existing({ portal: portalTicket({ clusterId: "CZJ5678DEF" }), match: { configurationId: 78, companyId: 301 } }));
    expect(p.ops).toEqual([
      { kind: "update_cw_ticket", patch: [{ op: "replace", path: "company", value: { id: 301 } }], fields: ["company"] },
      { kind: "attach_configuration", configurationId: 78 },
    ]);
  });

  it("reports a ConnectWise ticket deleted under it instead of recreating it", () => {
    const p = plan(input({ memory: synced() }));
    expect(p.ops).toEqual([]);
    expect(p.warnings.map((w) => w.code)).toEqual(["cw_ticket_missing"]);
  });
});

describe("plan: comments and notes, both ways, without duplicates or echoes", () => {
  const description = comment(1, "Node 2 went offline after the update.");

  it("mirrors later portal comments as internal notes, never the description, reporting attachments", () => {
    const p = plan(existing({ comments: [description, comment(2, "Still down.", { attachmentCount: 2 })] }));
    expect(p.ops).toEqual([
      {
        kind: "mirror_comment_to_cw",
        portalCommentId: 2,
        text: "[Support Portal comment #2]\nStill down.\n\n[2 attachments not synced]",
        hash: expect.any(String),
        linkId: null,
      },
    ]);
  });

  it("mirrors a technician's internal note, but not Discussion or Resolution notes", () => {
    const p = plan(
      existing({
        notes: [
          descriptionNote,
          note(101, "Rebooted node 2."),
          note(102, "Customer-visible", { internalAnalysisFlag: false, detailDescriptionFlag: true }),
          note(103, "Fixed", { internalAnalysisFlag: false, resolutionFlag: true }),
        ],
      }),
    );
    expect(p.ops).toEqual([
      {
        kind: "mirror_note_to_portal",
        cwNoteId: 101,
        text: "[ConnectWise ticket #5001, note by jparker]\nRebooted node 2.",
        hash: expect.any(String),
        public: true,
        linkId: null,
      },
    ]);
  });

  it("skips everything already linked, so a second sync is a no-op", () => {
    const p = plan(
      existing({
        comments: [description, comment(2, "Still down."), comment(3, commentTextForNote("Rebooted node 2.", "jparker", 5001), { authorId: OUR_PORTAL_USER })],
        notes: [descriptionNote, note(101, "Rebooted node 2."), note(104, noteTextForComment("Still down.", 0, 2))],
        memory: synced({
          comments: [
            { id: 1, origin: "portal", portalCommentId: 2, cwNoteId: 104, contentHash: "h1", state: "done" },
            { id: 2, origin: "connectwise", portalCommentId: 3, cwNoteId: 101, contentHash: "h2", state: "done" },
          ],
        }),
      }),
    );
    expect(p.ops).toEqual([]);
  });

  it("adopts a note written before a crash instead of writing it again", () => {
    const text = noteTextForComment("Still down.", 0, 2);
    const p = plan(
      existing({
        comments: [description, comment(2, "Still down.")],
        notes: [descriptionNote, note(104, text)],
        memory: synced({ comments: [{ id: 7, origin: "portal", portalCommentId: 2, cwNoteId: null, contentHash: contentHash(text), state: "pending" }] }),
      }),
    );
    expect(p.ops).toEqual([{ kind: "adopt_cw_note", linkId: 7, cwNoteId: 104 }]);
  });

  it("writes again a pending note that never reached ConnectWise", () => {
    const text = noteTextForComment("Still down.", 0, 2);
    const p = plan(
      existing({
        comments: [description, comment(2, "Still down.")],
        memory: synced({ comments: [{ id: 7, origin: "portal", portalCommentId: 2, cwNoteId: null, contentHash: contentHash(text), state: "pending" }] }),
      }),
    );
    expect(p.ops).toEqual([expect.objectContaining({ kind: "mirror_comment_to_cw", linkId: 7 })]);
  });

  it("adopts our own portal comment written before a crash, and never echoes it back", () => {
    const text = commentTextForNote("Rebooted node 2.", "jparker", 5001);
    const p = plan(
      existing({
        comments: [description, comment(3, text, { authorId: OUR_PORTAL_USER })],
        notes: [descriptionNote, note(101, "Rebooted node 2.")],
        memory: synced({
          comments: [{ id: 8, origin: "connectwise", portalCommentId: null, cwNoteId: 101, contentHash: contentHash(text), state: "pending" }],
        }),
      }),
    );
    expect(p.ops).toEqual([{ kind: "adopt_portal_comment", linkId: 8, portalCommentId: 3 }]);
  });

  it("writes again a pending portal comment that never reached the portal", () => {
    const text = commentTextForNote("Rebooted node 2.", "jparker", 5001);
    const p = plan(
      existing({
        notes: [descriptionNote, note(101, "Rebooted node 2.")],
        memory: synced({
          comments: [{ id: 8, origin: "connectwise", portalCommentId: null, cwNoteId: 101, contentHash: contentHash(text), state: "pending" }],
        }),
      }),
    );
    expect(p.ops).toEqual([expect.objectContaining({ kind: "mirror_note_to_portal", cwNoteId: 101, linkId: 8 })]);
  });

  it("mirrors a comment our portal user wrote by hand (not one we mirrored)", () => {
    const p = plan(existing({ comments: [description, comment(5, "Typed in the portal by the MSP", { authorId: OUR_PORTAL_USER })] }));
    expect(kinds(p.ops)).toEqual(["mirror_comment_to_cw"]);
  });

  it("posts an edit of the initial description to the portal as a marked comment, once", () => {
    const edited = note(100, "Node 2 went offline after the update. Also node 3.", { detailDescriptionFlag: true, internalAnalysisFlag: false });
    const p = plan(existing({ notes: [edited] }));
    expect(p.ops).toEqual([
      {
        kind: "post_description_update",
        cwNoteId: 100,
        text: "[Description updated in ConnectWise ticket #5001]\nNode 2 went offline after the update. Also node 3.",
        hash: expect.any(String),
        public: true,
      },
    ]);
    expect(p.synced.descriptionHash).toBe(contentHash(edited.text));
    expect(plan(existing({ notes: [edited], memory: synced({ synced: { ...synced().synced, descriptionHash: p.synced.descriptionHash } }) })).ops).toEqual([]);
  });

  it("does not post a description update twice when the first post was recorded but its memory was not", () => {
    const edited = note(100, "Edited description", { detailDescriptionFlag: true, internalAnalysisFlag: false });
    const posted = "[Description updated in ConnectWise ticket #5001]\nEdited description";
    const p = plan(
      existing({
        notes: [edited],
        memory: synced({
          comments: [{ id: 9, origin: "connectwise", portalCommentId: null, cwNoteId: null, contentHash: contentHash(posted), state: "pending" }],
        }),
      }),
    );
    expect(p.ops).toEqual([]);
    expect(p.synced.descriptionHash).toBe(contentHash("Edited description"));
  });

  it("learns the description note on first sight without posting anything", () => {
    const p = plan(
      existing({ memory: synced({ synced: { subjectHash: contentHash("Cluster node offline"), priority: "high", status: "open", clusterId: "CZJ1234ABC" } }) }),
    );
    expect(p.ops).toEqual([]);
    expect(p.synced).toMatchObject({ descriptionNoteId: 100, descriptionHash: contentHash(descriptionNote.text) });
  });

  it("does not write to a closed portal request, and says how many updates were held back", () => {
    const p = plan(
      existing({
        portal: portalTicket({ status: "closed" }),
        notes: [descriptionNote, note(101, "After close")],
        memory: synced({ synced: { ...synced().synced, status: "closed" } }),
      }),
    );
    expect(p.ops).toEqual([]);
    expect(p.warnings).toEqual([expect.objectContaining({ code: "portal_closed", message: expect.stringContaining("1 ConnectWise update") })]);
  });

  it("uses the tenant's public/private choice for mirrored comments", () => {
    const p = plan(existing({ notes: [descriptionNote, note(101, "x")], settings: settings({ commentsPublic: false }) }));
    expect(p.ops[0]).toMatchObject({ kind: "mirror_note_to_portal", public: false });
  });

  it("carries unicode and HTML through untouched (escaping is the renderer's job)", () => {
    const body = 'Ünïcödé ✓ — <script>alert(1)</script> & "quotes" 日本語';
    const p = plan(existing({ comments: [description, comment(2, body)] }));
    expect(p.ops).toEqual([expect.objectContaining({ kind: "mirror_comment_to_cw", text: `[Support Portal comment #2]\n${body}` })]);
  });
});

describe("plan: edge cases of the ticket itself", () => {
  it("creates with a placeholder when the description is empty", () => {
    const p = plan(input({ portal: portalTicket({ description: "   " }) }));
    expect(p.ops[0]).toMatchObject({ kind: "create_cw_ticket", create: { initialDescription: "(no description)\n\n[Support Portal request #42]" } });
  });

  it("follows a ticket solved, then reopened by the customer", () => {
    const solved = plan(existing({ portal: portalTicket({ status: "solved" }) }));
    expect(solved.ops).toEqual([{ kind: "update_cw_ticket", patch: [{ op: "replace", path: "status", value: { id: 13 } }], fields: ["status"] }]);
    const reopened = plan(
      existing({
        portal: portalTicket({ status: "open" }),
        cw: cwTicket({ status: { id: 13, name: "Resolved" }, closedFlag: true }),
        memory: synced({ synced: { ...synced().synced, status: "solved" } }),
      }),
    );
    // The timeline says why a ticket closed in ConnectWise opened again.
    expect(reopened.ops).toEqual([
      {
        kind: "update_cw_ticket",
        patch: [{ op: "replace", path: "status", value: { id: 11 } }],
        fields: ["status"],
        reason: expect.stringContaining("reopened"),
      },
    ]);
  });

  it("keeps a cut subject whole in the description of a new ticket", () => {
    const subject = "Storage pool on the primary cluster is running low on capacity and the nightly backup job failed twice this week";
    const p = plan(input({ portal: portalTicket({ subject }) }));
    const create = (p.ops[0] as Extract<Operation, { kind: "create_cw_ticket" }>).create;
    expect(create.summary.length).toBeLessThanOrEqual(100);
    expect(create.summary.endsWith("…")).toBe(true);
    expect(create.initialDescription.startsWith(`Subject: ${subject}\n\n`)).toBe(true);
  });
});
