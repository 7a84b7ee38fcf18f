import { describe, expect, it } from "vitest";
import { WINDOW_MS, decide } from "../src/control/rate-window";

describe("sliding 60-second window", () => {
  it("admits up to the limit, counting the remaining slots down", () => {
    expect(decide([], 3, 1_000)).toEqual({ allowed: true, limit: 3, remaining: 2, retryAfterSeconds: 0 });
    expect(decide([1_000], 3, 2_000)).toMatchObject({ allowed: true, remaining: 1 });
    expect(decide([1_000, 2_000], 3, 3_000)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("refuses the call over the limit with the seconds until the oldest counted call expires", () => {
    expect(decide([0, 10_000, 20_000], 3, 30_000)).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 30 });
    // Rounded up, and never below one second.
    expect(decide([0, 10_000, 20_000], 3, 30_500)).toMatchObject({ retryAfterSeconds: 30 });
    expect(decide([0, 10_000, 20_000], 3, 59_999)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  });

  it("frees a slot exactly 60 s after a call arrived", () => {
    expect(decide([0, 10_000], 2, WINDOW_MS - 1)).toMatchObject({ allowed: false });
    expect(decide([0, 10_000], 2, WINDOW_MS)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("takes hits in any order, and waits for enough of them when the limit was lowered", () => {
    // Five calls counted, limit now 2: four must expire before one more fits, the one at 30 s last.
    expect(decide([40_000, 0, 20_000, 30_000, 10_000], 2, 45_000)).toMatchObject({ allowed: false, retryAfterSeconds: 45 });
    // Only the `limit` newest are needed for the same answer.
    expect(decide([40_000, 30_000], 2, 45_000)).toMatchObject({ allowed: false, retryAfterSeconds: 45 });
  });
});
