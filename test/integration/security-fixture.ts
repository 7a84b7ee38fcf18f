import { env } from "cloudflare:test";
import { adminRoutes } from "../../src/admin/pages";
import { apiRoutes } from "../../src/admin/api";
import { apiTokens, failures, syncRuns } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { createTenant, createTicketLink, db, uniqueId } from "../factories/tenants";
import { createUser } from "../setup/admin-client";

/**
 * Shared by the security suites: the route list generated from the Hono apps themselves
 * (so a route added later is covered without touching the tests), two tenants with
 * users, tokens and data, and a snapshot of everything tenant A owns.
 */
export interface RouteRef {
  method: string;
  path: string;
}

function distinct(routes: { method: string; path: string }[]): RouteRef[] {
  const seen = new Map<string, RouteRef>();
  for (const r of routes) if (r.method !== "ALL" && !r.path.includes("*")) seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  return [...seen.values()];
}

/** Every admin page under /t/:tenantId (handlers only, not middleware). */
export const tenantPageRoutes = () => distinct(adminRoutes.routes).filter((r) => r.path.startsWith("/t/:tenantId"));
export const operatorPageRoutes = () => distinct(adminRoutes.routes).filter((r) => r.path.startsWith("/operator/"));
/** Every /api/v1 route behind a bearer token (the OpenAPI document is public). */
export const apiRouteList = () => distinct(apiRoutes.routes).filter((r) => r.path !== "/openapi.json");

const TICKET_A = 4242;

export interface World {
  a: { id: string; name: string; adminId: string; viewerId: string; tokenId: string; runId: string; failureId: number };
  b: { id: string; name: string };
  users: Record<"adminA" | "viewerA" | "adminB" | "operator", { id: string; email: string; password: string }>;
  tokens: Record<"adminB" | "readB" | "revokedB" | "adminA", string>;
}

async function token(tenantId: string, scope: "read" | "admin", revoked = false) {
  const value = `psa_${uniqueId("secret").replace(/[^A-Za-z0-9_-]/g, "")}_${crypto.randomUUID().replace(/-/g, "")}`;
  const id = uniqueId("tok");
  await db()
    .insert(apiTokens)
    .values({ id, tenantId, name: `${scope} token`, scope, tokenHash: await sha256Hex(value), revokedAt: revoked ? new Date().toISOString() : null });
  return { id, value };
}

export async function buildWorld(): Promise<World> {
  const a = await createTenant({ name: "Alpha Secret Tenant" });
  const b = await createTenant({ name: "Bravo Tenant" });
  const adminA = await createUser("tenant_admin", a.id);
  const viewerA = await createUser("tenant_viewer", a.id);
  const adminB = await createUser("tenant_admin", b.id);
  const operator = await createUser("operator", null);
  await createTicketLink(a.id, TICKET_A, { summary: "Alpha confidential ticket", cwTicketId: 9001, state: "ok" });
  const runId = crypto.randomUUID();
  await db().insert(syncRuns).values({ id: runId, tenantId: a.id, trigger: "cron", status: "completed", finishedAt: new Date().toISOString() });
  const [failure] = await db()
    .insert(failures)
    .values({
      tenantId: a.id,
      queue: "ticket-sync",
      messageId: uniqueId("msg"),
      body: JSON.stringify({ kind: "ticket-sync", v: 1, tenantId: a.id, portalTicketId: TICKET_A }),
      reason: "boom",
      attempts: 8,
    })
    .returning();
  const adminTokenA = await token(a.id, "admin");
  return {
    a: { id: a.id, name: a.name, adminId: adminA.id, viewerId: viewerA.id, tokenId: adminTokenA.id, runId, failureId: failure!.id },
    b: { id: b.id, name: b.name },
    users: { adminA, viewerA, adminB, operator },
    tokens: {
      adminA: adminTokenA.value,
      adminB: (await token(b.id, "admin")).value,
      readB: (await token(b.id, "read")).value,
      revokedB: (await token(b.id, "admin", true)).value,
    },
  };
}

/** Fills a route's params with tenant A's real objects (so "not found" is never the reason a check passes). */
export function fill(path: string, w: World, tenantId = w.a.id): string {
  const values: Record<string, string> = {
    tenantId,
    userId: w.a.viewerId,
    tokenId: w.a.tokenId,
    runId: w.a.runId,
    failureId: String(w.a.failureId),
    portalTicketId: String(TICKET_A),
  };
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, (_, name: string) => values[name] ?? "1");
}

/** Every row tenant A owns, in every table with a tenant_id (tables added later included). */
export async function snapshotTenant(tenantId: string): Promise<string> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables.results) {
    const cols = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
    const names = cols.results.map((c) => c.name);
    // API tokens' last_used_at moves when A's own token is used; nothing else may.
    const key = names.includes("tenant_id") ? "tenant_id" : name === "tenants" ? "id" : null;
    if (!key) continue;
    const rows = await env.DB.prepare(`SELECT * FROM "${name}" WHERE ${key} = ? ORDER BY rowid`).bind(tenantId).all();
    out[name] = rows.results;
  }
  return JSON.stringify(out);
}
