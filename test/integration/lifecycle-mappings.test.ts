import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { priorityMappings, statusMappings, syncRuns } from "../../src/db/schema";
import { createTenantWithCustomer } from "../factories/connections";
import { db } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { waitFor } from "../setup/wait-for";
import { apiToken } from "./monitoring-fixtures";

useSandbox();

describe("a mapping change and open linked tickets", () => {
  it("applies to them only when the admin asks, and then to every open one (a closed one is left alone)", async () => {
    const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const open = await customer.createRequest({ subject: "Stays open", body: "a", priority: "high", clusterId: "CZJ1234ABC" });
    const done = await customer.createRequest({ subject: "Closed by a technician", body: "b", priority: "high", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
    await technician.patch((await technician.ticketFor(tenant.id, done)).id, [{ op: "replace", path: "status", value: { name: "Closed" } }]);
    await syncTenantNow(tenant.id);

    // The admin maps portal "high" to Priority 1 through the API.
    const headers = { ...(await apiToken(tenant.id, "admin")), "content-type": "application/json" };
    const p1 = await technician.priorityNamed("Priority 1 - Emergency Response");
    const priorities = Object.fromEntries(
      (await db().select().from(priorityMappings).where(eq(priorityMappings.tenantId, tenant.id))).map((r) => [
        r.portalValue,
        r.portalValue === "high" ? p1.id : r.cwPriorityId,
      ]),
    );
    const statuses = Object.fromEntries(
      (await db().select().from(statusMappings).where(eq(statusMappings.tenantId, tenant.id))).map((r) => [r.portalValue, r.cwStatusId]),
    );
    const saved = await SELF.fetch("http://localhost/api/v1/mappings", { method: "PUT", headers, body: JSON.stringify({ priorities, statuses }) });
    expect(saved.status).toBe(200);

    // Not silently: the next run leaves the linked tickets as they are.
    await customer.comment(open, "Any news?");
    await syncTenantNow(tenant.id);
    expect((await technician.ticketFor(tenant.id, open)).priority?.name).toBe("Priority 2 - Quick Response");

    const res = await SELF.fetch("http://localhost/api/v1/mappings/apply", { method: "POST", headers });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; flagged: number };
    expect(body.flagged).toBe(1);
    await waitFor(
      async () => {
        const [run] = await db().select().from(syncRuns).where(eq(syncRuns.id, body.runId));
        return run && run.status !== "queued" && run.status !== "running" ? run : undefined;
      },
      { timeoutMs: 30_000, what: "the run applying the mappings" },
    );
    expect((await technician.ticketFor(tenant.id, open)).priority?.name).toBe("Priority 1 - Emergency Response");
    const closed = await technician.ticketFor(tenant.id, done);
    expect(closed.priority?.name).toBe("Priority 2 - Quick Response");
    expect(closed.status?.name).toBe("Closed");
  });
});
