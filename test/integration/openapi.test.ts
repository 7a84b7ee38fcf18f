import { SELF } from "cloudflare:test";
import { validate } from "@readme/openapi-parser";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { apiRoutes } from "../../src/admin/api";
import { apiOnError } from "../../src/admin/shared/api/errors";
import { createTenant } from "../factories/tenants";
import { apiToken } from "./monitoring-fixtures";

/** The /api/v1 contract: one OpenAPI 3.1 document generated from the routes, and problem details for every error. */
const API = "http://localhost/api/v1";
type Operation = { operationId?: string; summary?: string; "x-scope"?: string };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };
const fetchDoc = async () => (await (await SELF.fetch(`${API}/openapi.json`)).json()) as Doc;

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = (await res.json()) as { type: string; title: string; status: number; detail?: string; errors?: { path: string; message: string }[] };
  expect(body).toMatchObject({ type: "about:blank", title: expect.any(String), status });
  return body;
}

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it("lists exactly the routes the API app serves", async () => {
    const doc = await fetchDoc();
    const served = apiRoutes.routes
      .filter((r) => r.method !== "ALL" && r.path !== "/openapi.json")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    // Each route lists once per middleware and validator: compare distinct method + path.
    expect(new Set(documented)).toEqual(new Set(served));
  });

  it("gives every operation a unique camelCase operationId, a summary and a scope", async () => {
    const ops = Object.values((await fetchDoc()).paths).flatMap((p) => Object.values(p));
    for (const op of ops) {
      expect(op.operationId, op.summary).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary).toBeTruthy();
      expect(["read", "admin"]).toContain(op["x-scope"]);
    }
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
  });
});

describe("API errors are problem details", () => {
  it("answers unknown paths, wrong methods, bad tokens, big, non-JSON and invalid bodies", async () => {
    const tenant = await createTenant();
    const auth = await apiToken(tenant.id, "admin");
    const put = (body: string, type = "application/json") => SELF.fetch(`${API}/settings`, { method: "PUT", headers: { ...auth, "content-type": type }, body });

    await expectProblem(await SELF.fetch(`${API}/no/such/route`, { headers: auth }), 404);
    const wrongMethod = await SELF.fetch(`${API}/settings`, { method: "DELETE", headers: auth });
    await expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, PUT");

    const missing = await SELF.fetch(`${API}/status`);
    await expectProblem(missing, 401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="psa-sync"');
    const invalid = await SELF.fetch(`${API}/status`, { headers: { authorization: `Bearer ${"x".repeat(30)}` } });
    await expectProblem(invalid, 401);
    expect(invalid.headers.get("www-authenticate")).toBe('Bearer realm="psa-sync", error="invalid_token"');

    // 22,000 characters, 66,000 bytes: over the 64 KiB limit only when counted in bytes.
    const multibyte = JSON.stringify({ syncFrom: "€".repeat(22_000) });
    expect(multibyte.length).toBeLessThan(64 * 1024);
    await expectProblem(await put(multibyte), 413);
    await expectProblem(await put("boardId=1", "text/plain"), 415);
    const wrong = await expectProblem(await put(JSON.stringify({ boardId: "one", matchField: "colour" })), 400);
    expect(wrong.errors?.map((e) => e.path).sort()).toEqual(expect.arrayContaining(["boardId", "matchField"]));
  });

  it("answers an unexpected error 500 without its message, and logs it", async () => {
    const app = new Hono();
    app.get("/boom", () => {
      throw new Error("secret internals");
    });
    app.onError(apiOnError);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await app.request("/boom");
      const body = await expectProblem(res, 500);
      expect(JSON.stringify(body)).not.toContain("secret internals");
      expect(logged.mock.calls.map((c) => JSON.stringify(c[0])).join("\n")).toContain("http.unhandled");
    } finally {
      logged.mockRestore();
    }
  });
});
