import { createScheduledController, env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { startTenantRun } from "../../src/cron/dispatch";
import { apiTokens, syncRuns, tenants, ticketLinks } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { createLogger } from "../../src/lib/log";
import { applyTestSettings, createTenantWithCustomer } from "../factories/connections";
import { db, uniqueId } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { waitFor } from "../setup/wait-for";

useSandbox();

const fireCron = () => worker.scheduled(createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }), env);
const runsOf = (tenantId: string) => db().select().from(syncRuns).where(eq(syncRuns.tenantId, tenantId));
const allEnded = (tenantId: string, count: number) => async () => {
  const runs = await runsOf(tenantId);
  return runs.length >= count && runs.every((r) => r.status !== "queued" && r.status !== "running") ? runs : undefined;
};

async function apiStatus(tenantId: string) {
  const token = `psa_${uniqueId("onboarding")}_0123456789abcdef`;
  await db()
    .insert(apiTokens)
    .values({ id: uniqueId("tok"), tenantId, name: "t", scope: "read", tokenHash: await sha256Hex(token) });
  return (await SELF.fetch("http://localhost/api/v1/status", { headers: { authorization: `Bearer ${token}` } })).json() as Promise<{
    setupIncomplete: string | null;
  }>;
}

describe("onboarding in the admin's own order: connect, a scheduled run passes, then Advanced Settings", () => {
  it("nothing is recorded as synced before setup is complete; the first run after it brings every open request in, with its comments", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 60_000).toISOString(), settings: false });
    const requests: number[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await customer.createRequest({ subject: `Onboarding request ${i}`, body: `Problem ${i}.`, clusterId: "CZJ1234ABC" });
      await customer.comment(id, `More detail on ${i}.`);
      requests.push(id);
    }

    // Setup incomplete: the dashboard and the API say what is missing; the cron passes the tenant by.
    const expected =
      "Setup incomplete: choose a service board; choose the default (catch-all) company; map portal priorities (low, normal, high, urgent, none); map portal statuses (new, open, pending, hold, solved, closed)";
    expect((await apiStatus(tenant.id)).setupIncomplete).toBe(expected);
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    const page = await (await client.fetch(`/t/${tenant.id}`)).text();
    expect(page).toContain(expected);
    await fireCron();
    expect(await runsOf(tenant.id)).toHaveLength(0);
    // "Sync now" is refused with the reason.
    const refused = await client.fetch(`/t/${tenant.id}/tasks/sync`, { form: {} });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Setup incomplete");

    // A run that starts anyway (a replayed run message) ends skipped, reading and recording nothing.
    const forced = await startTenantRun(env, tenant.id, "manual", createLogger({ test: true }));
    const [skipped] = await waitFor(allEnded(tenant.id, 1), { what: "the forced run to end" });
    expect(skipped).toMatchObject({ id: forced.id, status: "skipped", ticketsSeen: 0 });
    expect(skipped!.message).toBe(`skipped: ${expected}`);
    const [row] = await db().select().from(tenants).where(eq(tenants.id, tenant.id));
    expect([row!.portalCursor, row!.cwCursor]).toEqual([null, null]);
    expect(await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenant.id))).toEqual([]);

    // Settings saved (more than a tick later in real life): the next scheduled run imports all six.
    await applyTestSettings(tenant.id);
    expect((await apiStatus(tenant.id)).setupIncomplete).toBeNull();
    await fireCron();
    const runs = await waitFor(allEnded(tenant.id, 2), { timeoutMs: 30_000, what: "the first run after setup to end" });
    expect(runs.find((r) => r.id !== forced.id)).toMatchObject({ trigger: "cron", status: "completed", ticketsCreated: 6, commentsMirrored: 6, failures: 0 });
    for (const [i, id] of requests.entries()) {
      const ticket = await technician.ticketFor(tenant.id, id);
      const notes = (await technician.notes(ticket.id)).filter((n) => n.internalAnalysisFlag);
      expect(notes.map((n) => n.text.split("\n").pop())).toEqual([`More detail on ${i}.`]);
    }
    expect(await technician.ticketsLinkedTo(tenant.id)).toHaveLength(6);
    const links = await db()
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenant.id), eq(ticketLinks.state, "ok")));
    expect(links).toHaveLength(6);
  });
});
