import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/lib/log";
import { capListing, MAX_PAGES_PER_RUN, maxPagesPerRun, type PageResult } from "../../src/queues/tenant-sync";

/**
 * The page cap's cursor rules per source (the portal's endless listing is performed end to
 * end in test/integration/listing-cap.test.ts): a capped source stops for this run, and its
 * cursor never moves past a change that was not handed over.
 */
const log = createLogger();
const page = (source: "portal" | "connectwise" | "resync", pages: number) => ({ source, cursor: "2", highWater: "2026-12-01T10:00:00.000Z", pages });
const result = (source: "portal" | "connectwise" | "resync", pages: number): PageResult => ({
  tickets: [1, 2],
  reason: source === "resync" ? "resync" : source === "portal" ? "portal_changed" : "connectwise_changed",
  next: { ...page(source, pages), cursor: "3", highWater: "2026-12-01T11:00:00.000Z" },
  calls: { portal: 1, cw: 1 },
});

describe("listing page cap", () => {
  it("counts pages and lets a source go on below the cap", () => {
    const out = capListing(page("connectwise", 0), result("connectwise", 0), log);
    expect(out.next).toMatchObject({ source: "connectwise", cursor: "3", pages: 1 });
    expect(out.cursor).toBeUndefined();
  });

  it("ends ConnectWise's listing at the cap with its cursor at the newest change handed over (oldest-first listing)", () => {
    const out = capListing(page("connectwise", MAX_PAGES_PER_RUN - 1), result("connectwise", MAX_PAGES_PER_RUN - 1), log);
    expect(out.next).toBeNull();
    expect(out.cursor).toEqual({ source: "connectwise", value: "2026-12-01T11:00:00.000Z" });
    expect(out.tickets).toEqual([1, 2]);
  });

  it("ends the portal's and the resync listing at the cap without moving a cursor (newest-first; flags stay set)", () => {
    for (const source of ["portal", "resync"] as const) {
      const out = capListing(page(source, MAX_PAGES_PER_RUN - 1), result(source, MAX_PAGES_PER_RUN - 1), log);
      expect(out.next, source).toBeNull();
      expect(out.cursor, source).toBeUndefined();
    }
  });

  it("reads the cap from LISTING_MAX_PAGES, falling back to 100", () => {
    expect(maxPagesPerRun({ LISTING_MAX_PAGES: "7" })).toBe(7);
    for (const bad of ["", "0", "-3", "ten"]) expect(maxPagesPerRun({ LISTING_MAX_PAGES: bad })).toBe(MAX_PAGES_PER_RUN);
  });

  it("leaves a finished listing as it is", () => {
    const done: PageResult = { ...result("connectwise", 0), next: null, cursor: { source: "connectwise", value: "x" } };
    expect(capListing(page("connectwise", MAX_PAGES_PER_RUN + 5), done, log)).toEqual(done);
  });
});
