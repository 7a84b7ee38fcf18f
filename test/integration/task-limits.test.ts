import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, syncRuns, ticketLinks } from "../../src/db/schema";
import { rateLimiterStub } from "../../src/jobs/stubs";
import { RESYNC_RULE, SYNC_NOW_RULE, taskLimiterKey, type LimitedTask } from "../../src/admin/tasks/limits";
import { createConnectedTenant } from "../factories/connections";
import { createTicketLink, db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { useSandbox } from "../setup/sandbox";
import { apiToken } from "./monitoring-fixtures";

/**
 * Fairness: a tenant admin (or their script) hammering "sync now" or resyncs is refused
 * with a clear 429 once over the tenant's allowance; nothing is queued or flagged.
 */
useSandbox();

const API = "http://localhost/api/v1";
const runsOf = async (tenantId: string) => (await db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenantId))).length;
const auditsOf = async (tenantId: string) => (await db().select().from(auditLog).where(eq(auditLog.tenantId, tenantId))).map((a) => a.action);
const flagged = async (tenantId: string) =>
  (await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenantId))).filter((l) => l.resyncRequested).length;

/** Uses up `count` of the tenant's allowance, as earlier clicks would have. */
async function spend(tenantId: string, task: LimitedTask, count: number) {
  const stub = rateLimiterStub(env, taskLimiterKey(task, tenantId));
  const rule = task === "sync" ? SYNC_NOW_RULE : RESYNC_RULE;
  for (let i = 0; i < count; i++) expect((await stub.take(rule)).allowed).toBe(true);
}

async function expectProblem429(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(600);
  const body = (await res.json()) as { status: number; title: string; detail: string };
  expect(body).toMatchObject({ status: 429, title: "Too many requests for this task" });
  return body.detail;
}

describe("fairness: per-tenant allowances for sync now and resyncs", () => {
  it(`API: the ${SYNC_NOW_RULE.limit}th sync now in 10 minutes starts a run, the next is a 429 and starts nothing`, async () => {
    const tenant = await createConnectedTenant();
    const headers = { ...(await apiToken(tenant.id, "admin")), "content-type": "application/json" };
    await spend(tenant.id, "sync", SYNC_NOW_RULE.limit - 1);

    expect((await SELF.fetch(`${API}/sync`, { method: "POST", headers })).status).toBe(202);
    expect(await runsOf(tenant.id)).toBe(1);
    const detail = await expectProblem429(await SELF.fetch(`${API}/sync`, { method: "POST", headers }));
    expect(detail).toContain(`Sync now was used ${SYNC_NOW_RULE.limit} times in the last 10 minutes`);
    expect(await runsOf(tenant.id)).toBe(1);
    expect(await auditsOf(tenant.id)).toEqual(["sync.requested"]);
  });

  it(`API: single and bulk resyncs past ${RESYNC_RULE.limit} in 10 minutes are 429s that flag nothing and start nothing`, async () => {
    const tenant = await createConnectedTenant();
    await createTicketLink(tenant.id, 9001, { cwTicketId: 19001 });
    const headers = { ...(await apiToken(tenant.id, "admin")), "content-type": "application/json" };
    await spend(tenant.id, "resync", RESYNC_RULE.limit);

    await expectProblem429(await SELF.fetch(`${API}/tickets/9001/resync`, { method: "POST", headers }));
    await expectProblem429(await SELF.fetch(`${API}/tickets/resync`, { method: "POST", headers, body: JSON.stringify({ portalTicketIds: [9001] }) }));
    expect(await flagged(tenant.id)).toBe(0);
    expect(await runsOf(tenant.id)).toBe(0);
    expect(await auditsOf(tenant.id)).toEqual([]);
    // Sync now has its own allowance.
    expect((await SELF.fetch(`${API}/sync`, { method: "POST", headers })).status).toBe(202);
  });

  it("pages: the buttons over the allowance say so in a flash message (429) and queue nothing", async () => {
    const tenant = await createConnectedTenant();
    await createTicketLink(tenant.id, 9002, { cwTicketId: 19002 });
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    await spend(tenant.id, "sync", SYNC_NOW_RULE.limit);
    await spend(tenant.id, "resync", RESYNC_RULE.limit);

    for (const [path, form] of [
      ["sync", {}],
      ["resync", { portalTicketId: "9002" }],
      ["resync-bulk", { warning: "any" }],
    ] as const) {
      const res = await client.fetch(`/t/${tenant.id}/tasks/${path}`, { form });
      expect(res.status, path).toBe(429);
      expect(Number(res.headers.get("retry-after")), path).toBeGreaterThanOrEqual(1);
      expect(await res.text(), path).toMatch(/was used (6|60) times in the last 10 minutes, the most allowed/);
    }
    expect(await flagged(tenant.id)).toBe(0);
    expect(await runsOf(tenant.id)).toBe(0);
  });
});
