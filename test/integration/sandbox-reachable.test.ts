import { afterEach, describe, expect, it } from "vitest";
import { routeFetchToSandbox, SANDBOX_ORIGIN } from "../setup/sandbox";

describe("the sandbox beside the Worker under test", () => {
  let spy: ReturnType<typeof routeFetchToSandbox>;
  afterEach(() => spy?.mockRestore());

  it("answers the Worker's outbound fetches at its fixed local address", async () => {
    spy = routeFetchToSandbox();
    const res = await fetch(`${SANDBOX_ORIGIN}/_sandbox/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, service: "psa-sync-sandbox" });
  });

  it("refuses any other outbound address", async () => {
    spy = routeFetchToSandbox();
    await expect(fetch("https://example.com/")).rejects.toThrow(/Unexpected outbound request/);
  });
});
