import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { loadConfiguration } from "../../src/db/queries/configuration";
import { auditLog, tenants } from "../../src/db/schema";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { apiToken } from "./monitoring-fixtures";
import { routeFetchToSandbox, SANDBOX_ORIGIN, sandboxControl } from "../setup/sandbox";

let fetchSpy: MockInstance;
beforeEach(() => {
  fetchSpy = routeFetchToSandbox();
});
afterEach(async () => {
  fetchSpy.mockRestore();
  await env.SANDBOX.fetch(new Request(`${SANDBOX_ORIGIN}/_sandbox/faults`, { method: "DELETE" }));
});

async function connectedAdmin() {
  const tenant = await createConnectedTenant();
  const admin = await createUser("tenant_admin", tenant.id);
  return { tenant, client: await signIn(admin.email, admin.password) };
}

/** The Advanced Settings form as the page would submit it for the stored configuration. */
async function currentForm(tenantId: string): Promise<Record<string, string>> {
  const c = await loadConfiguration(db(), tenantId);
  const form: Record<string, string> = {
    boardId: String(c.settings!.boardId),
    defaultCompanyId: String(c.settings!.defaultCompanyId),
    matchField: c.settings!.matchField,
    syncFrom: c.settings!.syncFrom!.slice(0, 10),
  };
  for (const p of c.priorities) form[`priority.${p.portalValue}`] = String(p.cwPriorityId);
  for (const s of c.statuses) form[`status.${s.portalValue}`] = String(s.cwStatusId);
  return form;
}

const idOf = (html: string, name: string) => {
  const m = new RegExp(`<option value="(\\d+)"[^>]*>${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).exec(html);
  if (!m) throw new Error(`no option ${name}`);
  return m[1]!;
};

async function snapshot(tenantId: string) {
  const c = await loadConfiguration(db(), tenantId);
  const audits = await db().select().from(auditLog).where(eq(auditLog.tenantId, tenantId));
  return JSON.stringify({ s: { ...c.settings, lastConnectionTest: null }, p: c.priorities, st: c.statuses, audits: audits.length });
}

describe("Advanced Settings", () => {
  it("shows live ConnectWise choices and the always-public comments note", async () => {
    const { tenant, client } = await connectedAdmin();
    const res = await client.fetch(`/t/${tenant.id}/settings`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Easy Connect Support");
    expect(html).toContain("Priority 1 - Emergency Response");
    expect(html).toContain("Resolved (closed)");
    expect(html).toContain("Acme MSP Catch-All");
    expect(html).toContain("Comments: always public");
    expect(html).toContain("Choices are loaded live from ConnectWise.");
  });

  it("saves a changed mapping and shows what changes on the next sync", async () => {
    const { tenant, client } = await connectedAdmin();
    const html = await (await client.fetch(`/t/${tenant.id}/settings`)).text();
    const form = await currentForm(tenant.id);
    form["priority.low"] = idOf(html, "Priority 1 - Emergency Response");
    form.matchField = "tagNumber";
    const res = await client.fetch(`/t/${tenant.id}/settings`, { form });
    expect(res.status).toBe(200);
    const out = await res.text();
    expect(out).toContain("Saved.");
    expect(out).toContain("Priority low: Priority 4 - Schedule Maintenance → Priority 1 - Emergency Response");
    expect(out).toContain("tag number (was serial number)");
    const c = await loadConfiguration(db(), tenant.id);
    expect(c.priorities.find((p) => p.portalValue === "low")?.cwPriorityName).toBe("Priority 1 - Emergency Response");
    expect(c.settings?.matchField).toBe("tagNumber");
    const audit = await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id));
    expect(audit.find((a) => a.action === "settings.saved")?.detail).toContain("Priority low");
  });

  it("refuses an unmapped value and an open status for solved, writing nothing", async () => {
    const { tenant, client } = await connectedAdmin();
    const html = await (await client.fetch(`/t/${tenant.id}/settings`)).text();
    const before = await snapshot(tenant.id);

    const unmapped = { ...(await currentForm(tenant.id)), "status.open": "" };
    const res1 = await client.fetch(`/t/${tenant.id}/settings`, { form: unmapped });
    expect(res1.status).toBe(400);
    const t1 = await res1.text();
    expect(t1).toContain("Nothing was saved");
    expect(t1).toContain("Map portal status &quot;open&quot; to a status of the board");

    const openForSolved = {
      ...(await currentForm(tenant.id)),
      "status.solved": idOf(html, "In Progress"),
      "priority.high": idOf(html, "Priority 1 - Emergency Response"),
    };
    const res2 = await client.fetch(`/t/${tenant.id}/settings`, { form: openForSolved });
    expect(res2.status).toBe(400);
    expect(await res2.text()).toContain("must map to a closed status");

    const unknown = { ...(await currentForm(tenant.id)), "priority.urgent": "999999" };
    const res3 = await client.fetch(`/t/${tenant.id}/settings`, { form: unknown });
    expect(res3.status).toBe(400);
    expect(await snapshot(tenant.id)).toBe(before);
  });

  it("refuses Apply to open tickets while syncing is paused, saying why on the settings page", async () => {
    const { tenant, client } = await connectedAdmin();
    await db().update(tenants).set({ paused: true }).where(eq(tenants.id, tenant.id));
    const res = await client.fetch(`/t/${tenant.id}/settings/apply`, { form: {} });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain("<h1>Advanced Settings</h1>");
    expect(html).toContain("Syncing is paused. Resume it first, then sync.");
    expect((await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action)).not.toContain("mappings.applied");
  });

  it("keeps the form usable with the stored names when ConnectWise is unreachable", async () => {
    const { tenant, client } = await connectedAdmin();
    await sandboxControl("/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api: "connectwise", rate: 1, kinds: ["503"] }),
    });
    const res = await client.fetch(`/t/${tenant.id}/settings`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("could not be reached");
    expect(html).toContain("Priority 3 - Normal Response");
    expect(html).toContain("Easy Connect Support");
    // Saving the stored choices still works; nothing new can be chosen.
    const save = await client.fetch(`/t/${tenant.id}/settings`, { form: await currentForm(tenant.id) });
    expect(save.status).toBe(200);
    expect(await save.text()).toContain("Nothing changed.");
    // A board it cannot check is refused by field, and the API's problem says why: ConnectWise, not the value.
    const form = await currentForm(tenant.id);
    const put = await SELF.fetch("http://localhost/api/v1/settings", {
      method: "PUT",
      headers: { ...(await apiToken(tenant.id, "admin")), "content-type": "application/json" },
      body: JSON.stringify({ boardId: 987654, defaultCompanyId: Number(form.defaultCompanyId), matchField: form.matchField, syncFrom: form.syncFrom }),
    });
    const problem = (await put.json()) as { status: number; detail?: string; errors?: { path: string }[] };
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.path)).toEqual(["boardId"]);
    expect(problem.detail).toContain("could not be reached");
  });
});
