import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { failures } from "../../src/db/schema";
import { createTenant, createTicketLink, db } from "../factories/tenants";
import { apiToken, insertEvent, insertFailure, insertRun, insertRunTickets, ticketSyncBody } from "./monitoring-fixtures";

const api = (path: string, headers: Record<string, string>, init: RequestInit = {}) =>
  SELF.fetch(`http://localhost/api/v1${path}`, { ...init, headers: { ...headers } });
type Page<T> = { items: T[]; nextCursor: string | null; prevCursor: string | null };

describe("monitoring API: happy paths", () => {
  it("lists runs, one run with its tickets, and pages runs by cursor", async () => {
    const tenant = await createTenant();
    const auth = await apiToken(tenant.id, "read");
    for (let i = 1; i <= 3; i++) await insertRun(tenant.id, { startedAt: `2026-04-0${i}T08:00:00.000Z`, cwCalls: i });
    const run = await insertRun(tenant.id, { startedAt: "2026-05-01T08:00:00.000Z", ticketsSeen: 1 });
    await insertRunTickets(run.id, tenant.id, [{ portalTicketId: 64, state: "done" }]);

    const first = (await (await api("/runs?limit=2", auth)).json()) as Page<{ id: string; startedAt: string }>;
    expect(first.items.map((r) => r.startedAt)).toEqual(["2026-05-01T08:00:00.000Z", "2026-04-03T08:00:00.000Z"]);
    const second = (await (await api(`/runs?limit=2&cursor=${first.nextCursor}`, auth)).json()) as Page<{ startedAt: string }>;
    expect(second.items.map((r) => r.startedAt)).toEqual(["2026-04-02T08:00:00.000Z", "2026-04-01T08:00:00.000Z"]);
    expect(second.nextCursor).toBeNull();
    expect(first.prevCursor).toBeNull();
    const back = (await (await api(`/runs?limit=2&before=${second.prevCursor}`, auth)).json()) as Page<{ startedAt: string }>;
    expect(back).toMatchObject({ items: first.items, prevCursor: null, nextCursor: first.nextCursor });

    const detail = (await (await api(`/runs/${run.id}`, auth)).json()) as {
      run: { id: string; tickets: { done: number } };
      tickets: { portalTicketId: number }[];
    };
    expect(detail.run).toMatchObject({ id: run.id, tickets: { done: 1 } });
    expect(detail.tickets.map((t) => t.portalTicketId)).toEqual([64]);
  });

  it("searches tickets and returns one with its timeline", async () => {
    const tenant = await createTenant();
    const auth = await apiToken(tenant.id, "read");
    await createTicketLink(tenant.id, 901, { summary: "Backup job failed", state: "warning", warnings: [{ code: "w", message: "unmatched ClusterID" }] });
    await createTicketLink(tenant.id, 902, { summary: "Mouse broken", state: "ok" });
    await insertEvent(tenant.id, 901, { detail: "ConnectWise ticket #1 created" });

    const found = (await (await api("/tickets?q=backup&warning=true", auth)).json()) as Page<{ portalTicketId: number }>;
    expect(found.items.map((t) => t.portalTicketId)).toEqual([901]);
    const byState = (await (await api("/tickets?state=ok", auth)).json()) as Page<{ portalTicketId: number }>;
    expect(byState.items.map((t) => t.portalTicketId)).toEqual([902]);
    const one = (await (await api("/tickets/901", auth)).json()) as { link: Record<string, unknown>; events: { detail: string }[] };
    expect(one.link.summary).toBe("Backup job failed");
    expect(one.link).not.toHaveProperty("syncedFields");
    expect(one.events.map((e) => e.detail)).toEqual(["ConnectWise ticket #1 created"]);
  });

  it("lists failures and replays one and all with an admin token (body kept out of the listing)", async () => {
    const tenant = await createTenant();
    const read = await apiToken(tenant.id, "read");
    const admin = await apiToken(tenant.id, "admin");
    const f1 = await insertFailure(tenant.id, ticketSyncBody(tenant.id, 71));
    const f2 = await insertFailure(tenant.id, ticketSyncBody(tenant.id, 72));
    const list = (await (await api("/failures?state=new", read)).json()) as Page<{ id: number; message: { kind: string } }>;
    expect(list.items.map((f) => f.id)).toEqual([f2.id, f1.id]);
    expect(list.items[0]).not.toHaveProperty("body");

    expect((await api(`/failures/${f1.id}/replay`, read, { method: "POST" })).status).toBe(403);
    const one = await api(`/failures/${f1.id}/replay`, admin, { method: "POST" });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ replayed: [f1.id] });
    const all = (await (await api("/failures/replay", admin, { method: "POST" })).json()) as { replayed: number[] };
    expect(all.replayed).toEqual([f2.id]);
    const rows = await db().select().from(failures).where(eq(failures.tenantId, tenant.id));
    expect(rows.every((r) => r.replayState === "replayed")).toBe(true);
    expect((await api(`/failures/${f1.id}/replay`, admin, { method: "POST" })).status).toBe(409);
  });
});

describe("monitoring API: errors", () => {
  it("answers problem details with field errors for bad query and path params", async () => {
    const tenant = await createTenant();
    const auth = await apiToken(tenant.id, "read");
    const bad = await api("/tickets?state=sideways&limit=5000", auth);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const body = (await bad.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(["limit", "state"]);
    expect((await api("/runs?cursor=not!a!cursor", auth)).status).toBe(400);
    const forged = await api(`/tickets?cursor=${btoa("[1,2,3]")}`, auth);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe("cursor");
    expect((await api("/tickets/abc", auth)).status).toBe(400);
    expect((await api("/tickets/123456", auth)).status).toBe(404);
    expect((await api("/runs", {})).status).toBe(401);
  });
});

describe("monitoring API: tenant isolation", () => {
  it("a token of tenant A never sees or replays tenant B's runs, tickets or failures", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const tokenA = await apiToken(a.id, "admin");
    const run = await insertRun(b.id);
    await createTicketLink(b.id, 4040, { summary: "B's private ticket" });
    const failure = await insertFailure(b.id, ticketSyncBody(b.id, 4040));

    expect((await api(`/runs/${run.id}`, tokenA)).status).toBe(404);
    expect((await api("/tickets/4040", tokenA)).status).toBe(404);
    expect(((await (await api("/tickets?q=private", tokenA)).json()) as Page<unknown>).items).toHaveLength(0);
    expect(((await (await api("/runs", tokenA)).json()) as Page<unknown>).items).toHaveLength(0);
    expect(((await (await api("/failures", tokenA)).json()) as Page<unknown>).items).toHaveLength(0);
    expect((await api(`/failures/${failure.id}`, tokenA)).status).toBe(404);
    expect((await api(`/failures/${failure.id}/replay`, tokenA, { method: "POST" })).status).toBe(404);
    expect(((await (await api("/failures/replay", tokenA, { method: "POST" })).json()) as { replayed: number[] }).replayed).toEqual([]);
    expect((await db().select().from(failures).where(eq(failures.id, failure.id)))[0]!.replayState).toBe("new");
  });
});

describe("OpenAPI document", () => {
  it("lists the monitoring operations with their scopes and query parameters", async () => {
    const doc = (await (await SELF.fetch("http://localhost/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { "x-scope": string; parameters?: { name: string }[] }>>;
    };
    for (const [path, method] of [
      ["/runs", "get"],
      ["/runs/{runId}", "get"],
      ["/tickets", "get"],
      ["/tickets/{portalTicketId}", "get"],
      ["/failures", "get"],
      ["/failures/{failureId}/replay", "post"],
      ["/failures/replay", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(doc.paths["/failures/replay"]!.post!["x-scope"]).toBe("admin");
    expect(doc.paths["/tickets"]!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(["q", "state", "warning", "cursor", "limit"]));
  });
});
