import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { startStack } from "./stack";

/** `wrangler dev` processes running on this machine now. */
const wranglerDevCount = () => {
  try {
    return Number(execFileSync("pgrep", ["-fc", "wrangler-dist/cli.js dev"], { encoding: "utf8" }).trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
};

describe("the e2e stack cleans up after itself", () => {
  it("a stack whose browser cannot start stops the Workers it started", async () => {
    const before = wranglerDevCount();
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = "/nonexistent/chromium";
    try {
      await expect(startStack({ sandbox: true })).rejects.toThrow(/chromium/i);
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
    // The Workers were signalled; give them a moment to exit.
    for (let i = 0; i < 40 && wranglerDevCount() > before; i++) await new Promise((r) => setTimeout(r, 250));
    expect(wranglerDevCount()).toBe(before);
  });
});
