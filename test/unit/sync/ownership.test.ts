import { describe, expect, it } from "vitest";
import { identityProblem, notEndUserProblem, ownershipRefusal } from "../../../src/sync/ownership";

const me = (over: Partial<{ id: number; email: string; role: string; organizationId: number | null }> = {}) => ({
  id: 7,
  email: "it@msp.test",
  role: "end-user",
  organizationId: 70,
  ...over,
});

describe("portal identity", () => {
  it("accepts only a plain end user, and only the user connected", () => {
    expect(notEndUserProblem(me())).toBeNull();
    for (const role of ["agent", "admin", "", "light-agent"]) expect(notEndUserProblem(me({ role }))).toContain("not an end user");
    expect(identityProblem(me(), 7)).toBeNull();
    expect(identityProblem(me(), null)).toBeNull();
    expect(identityProblem(me({ id: 8 }), 7)).toContain("another portal user");
    expect(identityProblem(me({ role: "agent" }), 7)).toContain("portal agent");
  });
});

describe("request ownership", () => {
  const owner = { userId: 7, organizationId: 70, syncOrganisation: false };
  it("syncs the connected user's own requests only, unless organisation sync is on", () => {
    expect(ownershipRefusal({ requesterId: 7, organizationId: null }, owner)).toBeNull();
    expect(ownershipRefusal({ requesterId: 8, organizationId: 70 }, owner)?.code).toBe("not_tenant_request");
    expect(ownershipRefusal({ requesterId: 8, organizationId: 70 }, { ...owner, syncOrganisation: true })).toBeNull();
    expect(ownershipRefusal({ requesterId: 8, organizationId: 71 }, { ...owner, syncOrganisation: true })?.code).toBe("not_tenant_request");
  });
  it("fails closed when the portal does not say who asked or the user has no organisation", () => {
    expect(ownershipRefusal({ requesterId: null, organizationId: null }, owner)).not.toBeNull();
    expect(ownershipRefusal({ requesterId: 8, organizationId: null }, { userId: 7, organizationId: null, syncOrganisation: true })).not.toBeNull();
  });
});
