import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("GET /healthz", () => {
  it("answers 200 after a real D1 round trip", async () => {
    const res = await SELF.fetch("http://localhost/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, db: "ok" });
  });

  it("answers API calls without a token with a problem body", async () => {
    const res = await SELF.fetch("http://localhost/api/v1/nope");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 401, title: "Missing or malformed bearer token" });
  });
});
