import { describe, expect, it } from "vitest";
import { contentHash, initialDescriptionFor, summaryFor } from "../../../src/sync/text";

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
