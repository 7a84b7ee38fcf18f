import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, auditLog, connectwiseConnections, tenants, ticketLinks, webhookDeliveries } from "../../src/db/schema";
import { randomToken, sha256Hex } from "../../src/lib/crypto";
import { createUser, signIn } from "../setup/admin-client";
import { wireDemoPush } from "../../src/dev/demo-push";
import { ensureConnectWiseCallback } from "../../src/webhooks/hook-addresses";
import { createConnectedTenant, createTenantWithCustomer } from "../factories/connections";
import { db, uniqueId } from "../factories/tenants";
import { useSandbox, SANDBOX_ORIGIN, sandboxDeliveries, type SandboxDelivery } from "../setup/sandbox";
import { technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { waitFor } from "../setup/wait-for";

useSandbox();

const ORIGIN = "http://localhost";

/** Posts a delivery the sandbox made, as it made it (the sandbox cannot reach this Worker itself). */
const replay = (d: SandboxDelivery, change: { body?: string; headers?: Record<string, string> } = {}) =>
  SELF.fetch(d.url, { method: "POST", headers: { ...d.headers, ...change.headers }, body: change.body ?? d.body });

async function nextDelivery(sinceId: number, match: (d: SandboxDelivery) => boolean): Promise<SandboxDelivery> {
  return waitFor(async () => (await sandboxDeliveries(sinceId)).find(match), { timeoutMs: 10_000, what: "a sandbox delivery" });
}
const lastDeliveryId = async () => (await sandboxDeliveries(0)).at(-1)?.id ?? 0;

/** A tenant with push wired and one linked request; `olderRequest` links another of the same portal user first. */
async function pushReadyTenant(opts: { olderRequest?: boolean } = {}) {
  const { tenant, customer } = await createTenantWithCustomer({ syncFrom: new Date(Date.now() - 2000).toISOString() });
  if (opts.olderRequest) {
    await customer.createRequest({ subject: "An older request", body: "Linked first.", clusterId: "CZJ1234ABC" });
    await syncTenantNow(tenant.id);
  }
  const id = await customer.createRequest({ subject: "Push me", body: "Needs a technician.", clusterId: "CZJ1234ABC" });
  await syncTenantNow(tenant.id);
  await wireDemoPush(env, db(), tenant.id, SANDBOX_ORIGIN, ORIGIN);
  const ticket = await technician.ticketFor(tenant.id, id);
  return { tenant, customer, portalId: id, cwId: ticket.id };
}

describe("push: ConnectWise callbacks", () => {
  it("registers the callback once, and a technician note crosses with no scheduled run", async () => {
    const { tenant, customer, portalId, cwId } = await pushReadyTenant();
    expect((await ensureConnectWiseCallback(env, db(), tenant.id, ORIGIN)).state).toBe("present");

    const since = await lastDeliveryId();
    await technician.addNoteInUi(cwId, "On my way to the site.");
    const delivery = await nextDelivery(since, (d) => d.url.includes(`/hooks/connectwise/${tenant.hookId}?recordId=${cwId}`));
    const res = await replay(delivery);
    expect(await res.json()).toEqual({ outcome: "queued" });

    const comments = await waitFor(
      async () => {
        const all = await customer.comments(portalId);
        return all.some((c) => c.body.endsWith("On my way to the site.")) ? all : undefined;
      },
      { timeoutMs: 20_000, what: "the technician note to reach the portal" },
    );
    expect(comments.filter((c) => c.body.endsWith("On my way to the site."))).toHaveLength(1);

    // The same delivery again (CW retries) is recognised and enqueues nothing.
    expect(await (await replay(delivery)).json()).toEqual({ outcome: "duplicate" });
  });

  // This test once failed intermittently in full runs: every test shared the demo portal user,
  // so the tenant also imported other tests' requests, and "the tenant's first linked ticket"
  // was sometimes another request's. The older request here makes that case certain.
  it("a delivery that never arrives is caught by the next scheduled run", async () => {
    const { tenant, customer, portalId, cwId } = await pushReadyTenant({ olderRequest: true });
    await technician.addNoteInUi(cwId, "Callback lost on the way");
    await syncTenantNow(tenant.id);
    const comments = await customer.comments(portalId);
    expect(comments.filter((c) => c.body.endsWith("Callback lost on the way"))).toHaveLength(1);
  });

  it("ignores callbacks caused by psa-sync's own writes", async () => {
    const { tenant, cwId } = await pushReadyTenant();
    const since = await lastDeliveryId();
    await technician.addNote(cwId, "Written through the API as psa-sync's member");
    const delivery = await nextDelivery(since, (d) => d.url.includes(`/hooks/connectwise/${tenant.hookId}?recordId=${cwId}`));
    expect(await (await replay(delivery)).json()).toEqual({ outcome: "ignored: psa-sync's own change" });
  });

  it("refuses unsigned, mis-signed and foreign-key deliveries, and changes nothing", async () => {
    const { tenant, cwId } = await pushReadyTenant();
    const since = await lastDeliveryId();
    await technician.addNoteInUi(cwId, "Signed note");
    const delivery = await nextDelivery(since, (d) => d.url.includes(`/hooks/connectwise/${tenant.hookId}`));

    expect((await replay(delivery, { headers: { "x-content-signature": "" } })).status).toBe(401);
    const tampered = delivery.body.replace('"updated"', '"added"');
    expect((await replay(delivery, { body: tampered })).status).toBe(401);
    const foreign = delivery.body.replace(/"key_url":"[^"]+"/, '"key_url":"https://evil.example/key"');
    expect((await replay(delivery, { body: foreign })).status).toBe(401);
    expect((await replay(delivery, { body: "{not json" })).status).toBe(400);
    const seen = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.tenantId, tenant.id));
    expect(seen.filter((s) => s.source === "connectwise")).toHaveLength(0);
  });
});

describe("push: Support Portal webhooks", () => {
  it("a customer comment crosses with no scheduled run; a duplicate syncs once", async () => {
    const { tenant, customer, portalId, cwId } = await pushReadyTenant();
    const since = await lastDeliveryId();
    await customer.comment(portalId, "Pushed from the portal");
    const delivery = await nextDelivery(since, (d) => d.url.endsWith(`/hooks/portal/${tenant.hookId}`) && d.body.includes("comment_added"));
    const [first, second] = await Promise.all([replay(delivery), replay(delivery)]);
    expect([first.status, second.status]).toEqual([200, 200]);

    const notes = await waitFor(
      async () => {
        const all = await technician.notes(cwId);
        return all.some((n) => n.text.endsWith("Pushed from the portal")) ? all : undefined;
      },
      { timeoutMs: 20_000, what: "the portal comment to reach ConnectWise" },
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await technician.notes(cwId)).filter((n) => n.text.endsWith("Pushed from the portal"))).toHaveLength(1);
    expect(notes.length).toBeGreaterThan(0);
    expect(await (await replay(delivery)).json()).toEqual({ outcome: "duplicate" });
  });

  it("refuses unsigned, mis-signed and stale deliveries", async () => {
    const { tenant, customer, portalId } = await pushReadyTenant();
    const since = await lastDeliveryId();
    await customer.comment(portalId, "Another one");
    const delivery = await nextDelivery(since, (d) => d.url.endsWith(`/hooks/portal/${tenant.hookId}`));
    expect((await replay(delivery, { headers: { "x-zendesk-webhook-signature": "" } })).status).toBe(401);
    expect((await replay(delivery, { body: delivery.body.replace("zen:ticket:", "zen:ticket:9") })).status).toBe(401);
    const stale = new Date(Date.now() - 10 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    expect((await replay(delivery, { headers: { "x-zendesk-webhook-signature-timestamp": stale } })).status).toBe(401);
    expect((await SELF.fetch(`${ORIGIN}/hooks/portal/no-such-hook`, { method: "POST", body: "{}" })).status).toBe(404);
    const links = await db()
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenant.id), eq(ticketLinks.portalTicketId, portalId)));
    expect(links).toHaveLength(1);
  });
});

describe("push: keeping the ConnectWise callback alive", () => {
  it("registers it from Admin tasks, and the next run re-enables it after ConnectWise disabled it", async () => {
    const tenant = await createConnectedTenant();
    const admin = await createUser("tenant_admin", tenant.id);
    const client = await signIn(admin.email, admin.password);
    const registered = await client.fetch(`/t/${tenant.id}/tasks/callbacks`, { form: {} });
    expect(registered.status).toBe(303);
    expect(registered.headers.get("location")).toBe(`/t/${tenant.id}/tasks?done=callback-registered`);
    const [row] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id));
    expect(row!.callbackId).not.toBeNull();

    await technician.setCallbackInactive(row!.callbackId!);
    await syncTenantNow(tenant.id);
    expect(await technician.callbackInactive(row!.callbackId!)).toBe(false);
  });
});

describe("push: rotating a leaked webhook address", () => {
  it("gives new addresses: the old ones answer 404 at once, ConnectWise calls back to the new one only", async () => {
    const { tenant, cwId } = await pushReadyTenant();
    const oldHook = tenant.hookId;
    const token = randomToken(24);
    await db()
      .insert(apiTokens)
      .values({ id: uniqueId("tok"), tenantId: tenant.id, name: "rotate", tokenHash: await sha256Hex(token), scope: "admin" });
    const res = await SELF.fetch(`${ORIGIN}/api/v1/hooks/rotate`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { portalHookUrl: string; connectwise: string };
    const [row] = await db().select().from(tenants).where(eq(tenants.id, tenant.id));
    const newHook = row!.hookId;
    expect(newHook).not.toBe(oldHook);
    expect(rotated).toMatchObject({ portalHookUrl: `${ORIGIN}/hooks/portal/${newHook}`, connectwise: "moved" });
    for (const path of [`/hooks/connectwise/${oldHook}?recordId=${cwId}`, `/hooks/portal/${oldHook}`]) {
      expect((await SELF.fetch(`${ORIGIN}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status, path).toBe(404);
    }
    expect(
      (
        await db()
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, "hooks.rotated")))
      ).length,
    ).toBe(1);

    // A technician's change is now delivered to the new address, never the old one, and accepted there.
    // (Other tests' tenants share the demo company, so their callbacks hear of it too: match by hook.)
    const since = await lastDeliveryId();
    await technician.addNoteInUi(cwId, "After the rotation.");
    const delivery = await nextDelivery(since, (d) => d.url.includes(`/hooks/connectwise/${newHook}?recordId=${cwId}`));
    expect((await sandboxDeliveries(since)).filter((d) => d.url.includes(oldHook))).toEqual([]);
    expect(await (await replay(delivery)).json()).toEqual({ outcome: "queued" });
  });
});
