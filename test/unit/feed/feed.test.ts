import { describe, expect, it } from "vitest";
import { firstStartTime } from "../../../src/feed/catch-up";
import { FEED_FRESH_MS, feedHealth } from "../../../src/feed/health";
import { routeTicket } from "../../../src/feed/route";

const tenant = (id: string, portalUserId: number, organizationId: number | null = null, syncFrom: string | null = null) => ({
  tenantId: id,
  portalUserId,
  organizationId,
  syncFrom,
});

describe("routeTicket", () => {
  const tenants = [tenant("a", 1), tenant("b", 2, 77), tenant("c", 3, null, "2026-12-01T00:00:00Z"), tenant("d", 1)];

  it("finds the requester's tenants and those syncing its organisation, nobody else", () => {
    expect(routeTicket({ requesterId: 1, organizationId: null, updatedAt: "2026-12-02T00:00:00Z" }, tenants).map((t) => t.tenantId)).toEqual(["a", "d"]);
    expect(routeTicket({ requesterId: 9, organizationId: 77, updatedAt: null }, tenants).map((t) => t.tenantId)).toEqual(["b"]);
    expect(routeTicket({ requesterId: 9, organizationId: 78, updatedAt: null }, tenants)).toEqual([]);
    expect(routeTicket({ requesterId: null, organizationId: null, updatedAt: null }, tenants)).toEqual([]);
  });

  it("leaves out changes older than the tenant's sync-from date", () => {
    expect(routeTicket({ requesterId: 3, organizationId: null, updatedAt: "2026-11-30T23:59:59Z" }, tenants)).toEqual([]);
    expect(routeTicket({ requesterId: 3, organizationId: null, updatedAt: "2026-12-01T00:00:00Z" }, tenants).map((t) => t.tenantId)).toEqual(["c"]);
  });
});

describe("feedHealth", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  it("is healthy only while the last complete poll is recent, and says why not", () => {
    expect(feedHealth(null, now)).toMatchObject({ healthy: false, reason: expect.stringContaining("No vendor feed") });
    expect(feedHealth({ lastPollOkAt: null, lastPollResult: null }, now)).toMatchObject({ healthy: false, reason: expect.stringContaining("not completed") });
    expect(feedHealth({ lastPollOkAt: new Date(now - FEED_FRESH_MS).toISOString(), lastPollResult: "ok" }, now)).toEqual({ healthy: true });
    expect(feedHealth({ lastPollOkAt: new Date(now - FEED_FRESH_MS - 60_000).toISOString(), lastPollResult: "failed: HTTP 401" }, now)).toEqual({
      healthy: false,
      reason: "No complete catch-up poll for 16 minutes (last poll: failed: HTTP 401): tenant runs list their own requests meanwhile.",
    });
  });
});

describe("firstStartTime", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  it("starts at the earliest tenant date, five minutes back without one, never under a minute ago", () => {
    expect(firstStartTime("2026-12-01T00:00:00Z", now)).toBe(Date.parse("2026-12-01T00:00:00Z") / 1000);
    expect(firstStartTime(null, now)).toBe((now - 300_000) / 1000);
    expect(firstStartTime("2026-12-02T11:59:30Z", now)).toBe((now - 61_000) / 1000);
  });
});
