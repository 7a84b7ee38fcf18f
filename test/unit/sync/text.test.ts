import { describe, expect, it } from "vitest";
import { commentTextForNote, contentHash, cutForPortal, initialDescriptionFor, PORTAL_COMMENT_MAX_BYTES, summaryFor } from "../../../src/sync/text";

describe("text too long for the Support Portal", () => {
  const bytes = (s: string) => new TextEncoder().encode(s).length;

  it("is cut under Zendesk's 64 KB with a marker naming where the whole text is; short text is untouched", () => {
    expect(cutForPortal("short", 5001)).toBe("short");
    const cut = commentTextForNote("€".repeat(50_000), "jparker", 5001);
    expect(bytes(cut)).toBeLessThanOrEqual(PORTAL_COMMENT_MAX_BYTES);
    expect(cut.endsWith("the whole of it is on ConnectWise ticket #5001]")).toBe(true);
    expect(cut).not.toContain("\uFFFD");
    expect(commentTextForNote("€".repeat(50_000), "jparker", 5001)).toBe(cut); // deterministic: the same hash on a retry
  });
});

describe("subject → summary", () => {
  it("keeps a subject of up to 100 characters as it is", () => {
    const subject = "x".repeat(100);
    expect(summaryFor(subject)).toEqual({ summary: subject, truncated: false });
  });

  it("cuts a longer subject at a word boundary with an ellipsis, within 100 characters", () => {
    const subject = "Storage pool on the primary cluster is running low on capacity and the nightly backup job failed twice this week";
    const { summary, truncated } = summaryFor(subject);
    expect(truncated).toBe(true);
    expect(summary.length).toBeLessThanOrEqual(100);
    expect(summary.endsWith("…")).toBe(true);
    expect(subject.startsWith(summary.slice(0, -1))).toBe(true);
    expect(subject[summary.length - 1]).toBe(" ");
  });

  it("cuts a single long word hard rather than leave nothing", () => {
    const { summary } = summaryFor("a".repeat(150));
    expect(summary).toBe(`${"a".repeat(99)}…`);
  });

  it("keeps the full subject in the description when the summary was cut", () => {
    expect(initialDescriptionFor("Long subject", "Body", true, 7)).toBe("Subject: Long subject\n\nBody\n\n[Support Portal request #7]");
    expect(initialDescriptionFor("Short", "Body", false, 7)).toBe("Body\n\n[Support Portal request #7]");
  });
});

describe("content hash", () => {
  it("ignores whitespace reflow but not content", () => {
    expect(contentHash("Line one\r\n  line two ")).toBe(contentHash("Line one\nline two"));
    expect(contentHash("Line one")).not.toBe(contentHash("Line 1"));
  });
});
