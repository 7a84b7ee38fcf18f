import { describe, expect, it } from "vitest";
import { changedCwTickets, changedPortalTickets } from "../../../src/sync/changes";
import { settledVersion, type KnownVersion } from "../../../src/domain/versions";
import type { CwTicket, PortalTicket } from "../../../src/domain/model";

/**
 * Both systems stamp in whole seconds. A change made in the same second as the sync's read
 * carries the same stamp as the version that was synced, so that version must not be
 * remembered, or the listing would skip the change for good (issue: the push safety net).
 */
describe("versions read within their own second", () => {
  const stamp = "2026-12-01T10:00:07Z";

  it("are not remembered when read in the same second, on either side", () => {
    expect(settledVersion(stamp, Date.parse("2026-12-01T10:00:07.000Z"))).toBeNull();
    expect(settledVersion(stamp, Date.parse("2026-12-01T10:00:07.999Z"))).toBeNull();
    expect(settledVersion("not a date", Date.parse("2026-12-01T10:00:09Z"))).toBeNull();
  });

  it("are remembered once read after their second ended", () => {
    expect(settledVersion(stamp, Date.parse("2026-12-01T10:00:08.000Z"))).toBe(stamp);
  });

  const known = (k: Partial<KnownVersion>): KnownVersion => ({ portalUpdatedAt: null, cwUpdatedAt: null, resyncRequested: false, ...k });

  it("a ticket whose version was read in its own second is listed again with the same stamp (ConnectWise)", () => {
    const ticket = { id: 6, externalXRef: "psa-sync:t1:1015", lastUpdated: stamp } as CwTicket;
    // The sync read the ticket at 10:00:07.4; a technician's note at 10:00:07.8 keeps the stamp.
    const remembered = settledVersion(stamp, Date.parse("2026-12-01T10:00:07.400Z"));
    expect(changedCwTickets([ticket], "t1", new Map([[1015, known({ cwUpdatedAt: remembered })]]))).toEqual([1015]);
    // Read after the second ended, the same stamp is the synced version: nothing to do.
    const settled = settledVersion(stamp, Date.parse("2026-12-01T10:00:08.100Z"));
    expect(changedCwTickets([ticket], "t1", new Map([[1015, known({ cwUpdatedAt: settled })]]))).toEqual([]);
  });

  it("a request whose version was read in its own second is listed again with the same stamp (portal)", () => {
    const request = { id: 1015, updatedAt: stamp } as PortalTicket;
    const since = "2026-12-01T10:00:07Z"; // the cursor is inclusive: the same second is listed again
    const remembered = settledVersion(stamp, Date.parse("2026-12-01T10:00:07.400Z"));
    expect(changedPortalTickets([request], since, new Map([[1015, known({ portalUpdatedAt: remembered })]])).changed).toEqual([1015]);
    const settled = settledVersion(stamp, Date.parse("2026-12-01T10:00:08.100Z"));
    expect(changedPortalTickets([request], since, new Map([[1015, known({ portalUpdatedAt: settled })]])).changed).toEqual([]);
  });
});
