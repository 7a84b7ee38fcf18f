import { describe, expect, it } from "vitest";
import { statusMappingProblem } from "../../../src/sync/mapping-check";

const status = (id: number, name: string, inactive = false) => ({ id, name, closedStatus: false, inactive });
const mapped = [
  { portalValue: "open", cwStatusId: 1, cwStatusName: "New" },
  { portalValue: "hold", cwStatusId: 2, cwStatusName: "Waiting" },
  { portalValue: "solved", cwStatusId: 3, cwStatusName: "Resolved" },
];

describe("status mapping check", () => {
  it("is quiet while every mapped status is on the board and active", () => {
    expect(statusMappingProblem(9, mapped, [status(1, "New"), status(2, "Waiting"), status(3, "Resolved"), status(4, "Other")])).toBeNull();
  });

  it("names each deleted or deactivated status with its portal value, and the fix", () => {
    const problem = statusMappingProblem(9, mapped, [status(1, "New"), status(3, "Resolved", true)]);
    expect(problem).toContain('"hold" → "Waiting" (deleted)');
    expect(problem).toContain('"solved" → "Resolved" (inactive)');
    expect(problem).not.toContain('"open"');
    expect(problem).toContain("Settings → Advanced Settings");
  });

  it("says when the board itself is gone", () => {
    expect(statusMappingProblem(9, mapped, null)).toMatch(/board \(id 9\) .* no longer exists/);
  });
});
