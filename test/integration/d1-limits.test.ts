import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { failures, ticketLinks } from "../../src/db/schema";
import { createConnectedTenant, createTenantWithCustomer } from "../factories/connections";
import { db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { D1_MAX_BOUND_PARAMETERS } from "../setup/d1-limits";
import { sandboxControl, useSandbox } from "../setup/sandbox";
import { lastLoggedId } from "../setup/scenario";
import { syncTenantNow } from "../setup/sync";
import { waitFor } from "../setup/wait-for";
import { insertFailure, insertLinks, ticketSyncBody } from "./monitoring-fixtures";

useSandbox();

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");
const values = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("D1 binds at most 100 values per statement", () => {
  it("the test binding refuses 101, as deployed D1 does (local D1 would not)", async () => {
    expect(() => env.DB.prepare(`SELECT ${placeholders(D1_MAX_BOUND_PARAMETERS + 1)}`).bind(...values(D1_MAX_BOUND_PARAMETERS + 1))).toThrow(
      /too many SQL variables/,
    );
    const ok = await env.DB.prepare(`SELECT ${placeholders(D1_MAX_BOUND_PARAMETERS)}`)
      .bind(...values(D1_MAX_BOUND_PARAMETERS))
      .all();
    expect(ok.results).toHaveLength(1);
  });

  it("Replay all sends 250 dead-lettered ticket syncs, each once, after an outage left them", async () => {
    const tenant = await createConnectedTenant();
    // Requests no longer visible: each sync is one portal read (a 404), which the sandbox logs.
    const ids = Array.from({ length: 250 }, (_, i) => 900_000 + i);
    const since = await lastLoggedId();
    for (const id of ids) await insertFailure(tenant.id, ticketSyncBody(tenant.id, id));
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);

    const res = await client.fetch(`/t/${tenant.id}/failures/replay`, { form: {} });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toContain("replayed=250");
    const rows = await db().select().from(failures).where(eq(failures.tenantId, tenant.id));
    expect(rows.filter((r) => r.replayState === "replayed")).toHaveLength(250);

    const reads = await waitFor(
      async () => {
        const res = await sandboxControl(`/requests?api=zendesk&sinceId=${since}&limit=50000`);
        const { requests } = (await res.json()) as { requests: { path: string; status: number }[] };
        const ours = requests.filter((r) => /\/requests\/9\d{5}$/.test(r.path));
        return ours.length >= 250 ? ours : undefined;
      },
      { timeoutMs: 45_000, what: "250 replayed ticket syncs" },
    );
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
    const again = await sandboxControl(`/requests?api=zendesk&sinceId=${since}&limit=50000`);
    const all = ((await again.json()) as { requests: { path: string }[] }).requests.filter((r) => /\/requests\/9\d{5}$/.test(r.path));
    expect(all).toHaveLength(250);
    expect(new Set(reads.map((r) => Number(r.path.split("/").pop()))).size).toBe(250);
    expect(reads.every((r) => r.status === 404)).toBe(true);
    // A second Replay all finds nothing left to send.
    expect((await client.fetch(`/t/${tenant.id}/failures/replay`, { form: {} })).headers.get("location")).toContain("replayed=0");
  });

  it("a run resyncs 250 flagged tickets in pages and clears every flag", async () => {
    const { tenant } = await createTenantWithCustomer(); // its own portal user: no other request in the run
    await insertLinks(tenant.id, 250, () => ({ resyncRequested: true }));
    const run = await syncTenantNow(tenant.id, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: "completed", failures: 0 });
    expect(run.ticketsSeen).toBe(250);
    const flagged = await db()
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenant.id), eq(ticketLinks.resyncRequested, true)));
    expect(flagged).toEqual([]);
  });
});
