import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("sandbox control", () => {
  it("answers GET /_sandbox/health", async () => {
    const res = await SELF.fetch("http://localhost:8788/_sandbox/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, service: "psa-sync-sandbox" });
  });
});
