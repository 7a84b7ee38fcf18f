import { describe, expect, it } from "vitest";
import { externalXRefFor, portalTicketIdFromXRef, xrefPrefix } from "../../../src/domain/xref";

describe("the externalXRef format", () => {
  it("names the portal ticket, under the tenant's listing prefix", () => {
    const xref = externalXRefFor("t1", 1015);
    expect(xref).toBe("psa-sync:t1:1015");
    expect(xref.startsWith(xrefPrefix("t1"))).toBe(true);
    expect(portalTicketIdFromXRef(xref, "t1")).toBe(1015);
  });

  it("reads no ticket from another tenant's, a foreign or a malformed reference", () => {
    expect(portalTicketIdFromXRef(externalXRefFor("t10", 5), "t1")).toBeNull();
    for (const xref of [null, "", "ticket 5", "psa-sync:t1:", "psa-sync:t1:0", "psa-sync:t1:-3", "psa-sync:t1:5x", "psa-sync:t1:1.5"]) {
      expect(portalTicketIdFromXRef(xref, "t1"), String(xref)).toBeNull();
    }
  });
});
