import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { loadVendorFeed } from "../../src/db/queries/vendor-feed";
import { portalConnections, ticketLinks, vendorFeed, webhookDeliveries } from "../../src/db/schema";
import { ensureSandboxWebhook } from "../../src/dev/demo-push";
import { pollVendorFeed } from "../../src/feed/catch-up";
import { createLogger } from "../../src/lib/log";
import { clearVendorFeed, setVendorFeed, vendorFeedStatus } from "../../src/admin/operator/vendor-feed";
import { connectPortalWithOAuth, createConnectedTenant, openPortalSecrets } from "../factories/connections";
import { sandboxRequests } from "./connectors/helpers";
import { db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { captureLogs } from "../setup/logs";
import { SANDBOX_ORIGIN, sandboxControl, sandboxDeliveries, useSandbox, type SandboxDelivery } from "../setup/sandbox";
import { portalUser } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { waitFor } from "../setup/wait-for";

useSandbox();

const ORIGIN = "http://localhost";
const HOOK = `${ORIGIN}/hooks/vendor`;
/** The sandbox's admin agent: the vendor's portal admin. */
const ADMIN = { email: "agent@easyconnect.test", apiToken: "agent-portal-token" };
const logger = createLogger({ test: true });
const json = { "content-type": "application/json" };

afterAll(async () => {
  await sandboxControl("/zendesk/export-clock", { method: "POST", headers: json, body: JSON.stringify({ aheadSeconds: 0 }) });
  await sandboxControl("/faults", { method: "DELETE" });
});

/** A new portal end user (an MSP's account) with its sandbox id. */
async function endUser() {
  const user = { email: `feed-${crypto.randomUUID()}@msp.test`, apiToken: crypto.randomUUID().replaceAll("-", "") };
  const res = await sandboxControl("/zendesk/end-users", { method: "POST", headers: json, body: JSON.stringify(user) });
  const { id } = (await res.json()) as { id: number };
  return { ...user, id, actor: portalUser(user.email, user.apiToken) };
}

/** A connected tenant whose stored portal identity is its own end user (as its first run's check leaves it). */
async function feedTenant() {
  const user = await endUser();
  const tenant = await createConnectedTenant({ portalUser: user, syncFrom: new Date(Date.now() - 2000).toISOString() });
  await db().update(portalConnections).set({ portalUserId: user.id }).where(eq(portalConnections.tenantId, tenant.id));
  return { tenant, user };
}

/** The vendor feed as an operator sets it: the sandbox admin's credential and the account webhook's secret. */
async function configureFeed() {
  const hook = await ensureSandboxWebhook(SANDBOX_ORIGIN, HOOK, "psa-sync vendor feed (test)");
  expect(await setVendorFeed(env, db(), { userId: "usr_test_operator", via: "test" }, { ...ADMIN, webhookSecret: hook.secret })).toMatch(
    /^Vendor feed (set|credential replaced)/,
  );
}

const request = (user: Awaited<ReturnType<typeof endUser>>, subject: string) =>
  user.actor.createRequest({ subject, body: "Needs a technician.", clusterId: "CZJ1234ABC" });
const replay = (d: SandboxDelivery, change: { body?: string; headers?: Record<string, string> } = {}) =>
  SELF.fetch(d.url, { method: "POST", headers: { ...d.headers, ...change.headers }, body: change.body ?? d.body });
const lastDeliveryId = async () => (await sandboxDeliveries(0)).at(-1)?.id ?? 0;
/** The vendor hook's ticket.created delivery of each ticket, in the order given. */
async function createdDeliveries(since: number, ids: number[]): Promise<SandboxDelivery[]> {
  return waitFor(
    async () => {
      const found = (await sandboxDeliveries(since)).filter((d) => d.url === HOOK && d.body.includes('"zen:event-type:ticket.created"'));
      const mine = ids.map((id) => found.find((d) => d.body.includes(`"subject":"zen:ticket:${id}"`)));
      return mine.every(Boolean) ? (mine as SandboxDelivery[]) : undefined;
    },
    { what: "the vendor hook's deliveries" },
  );
}
const linksOf = async (tenantId: string) => (await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenantId))).map((l) => l.portalTicketId);
const deliveriesOf = (tenantId: string) =>
  db()
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.source, "portal")));
const counters = async () => {
  const feed = await loadVendorFeed(db());
  return { routed: feed?.eventsRouted, unrouted: feed?.eventsUnrouted };
};
/** Portal calls signed in as these users since a request-log id. */
async function portalCallsBy(emails: string[], sinceId: number): Promise<number> {
  const res = await sandboxControl(`/requests?api=zendesk&sinceId=${sinceId}&limit=50000`);
  return ((await res.json()) as { requests: { caller: string | null }[] }).requests.filter((r) => r.caller !== null && emails.includes(r.caller)).length;
}
const lastRequestId = async () =>
  ((await (await sandboxControl("/requests?api=zendesk&limit=50000")).json()) as { requests: { id: number }[] }).requests.at(-1)?.id ?? 0;

// First in the file: its first poll starts from its own tenants' "sync from" dates, with no earlier test's requests in reach.
describe("vendor feed: catch-up and tenant runs", () => {
  it("catches a change whose webhook was lost exactly once; idle runs make no portal calls while the feed is healthy; runs list again when it fails or is absent", async () => {
    const tenants = [await feedTenant(), await feedTenant(), await feedTenant()];
    await configureFeed();
    // The export leaves out the last minute: its clock runs a minute ahead, so the test need not wait.
    await sandboxControl("/zendesk/export-clock", { method: "POST", headers: json, body: JSON.stringify({ aheadSeconds: 61 }) });
    expect(await pollVendorFeed(env, logger)).toMatchObject({ state: "ok", reachedEnd: true, queued: 0 });

    // A request whose webhook never arrives.
    const lost = await request(tenants[1]!.user, "Webhook lost");
    expect(await pollVendorFeed(env, logger)).toMatchObject({ state: "ok", reachedEnd: true, queued: 1 });
    // Until its sync has finished (the link is written before the sync's last step).
    const synced = async () =>
      (await db().select().from(ticketLinks).where(eq(ticketLinks.tenantId, tenants[1]!.tenant.id))).some((l) => l.lastSyncedAt !== null);
    await waitFor(async () => ((await synced()) ? true : undefined), { timeoutMs: 20_000, what: "the lost change to sync" });
    expect(await Promise.all(tenants.map((t) => linksOf(t.tenant.id)))).toEqual([[], [lost], []]);
    // Read once: the next poll finds nothing new for these tenants.
    expect(await pollVendorFeed(env, logger)).toMatchObject({ state: "ok", queued: 0 });

    // The first run after a sync still sees the ConnectWise ticket's own later update (as without the feed); then an idle tick.
    await syncTenantNow(tenants[1]!.tenant.id);
    // An idle tick: the tenants' runs make no portal call at all.
    const before = await lastRequestId();
    const runs = await Promise.all(tenants.map((t) => syncTenantNow(t.tenant.id)));
    expect(runs.map((r) => [r.status, r.portalCalls])).toEqual([
      ["completed", 0],
      ["completed", 0],
      ["completed", 0],
    ]);
    expect(
      await portalCallsBy(
        tenants.map((t) => t.user.email),
        before,
      ),
    ).toBe(0);

    // The export refuses (429): the poll defers, keeps its cursor, and the feed is still healthy for a while.
    const cursor = (await loadVendorFeed(db()))!.exportCursor;
    await sandboxControl("/faults", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ api: "zendesk", rate: 1, kinds: ["429"], retryAfterSeconds: 1, pathContains: "/incremental/" }),
    });
    expect(await pollVendorFeed(env, logger)).toEqual({ state: "deferred", retryAfterS: 1 });
    await sandboxControl("/faults", { method: "DELETE" });
    expect((await loadVendorFeed(db()))!.exportCursor).toBe(cursor);

    // A feed whose polls have failed for 20 minutes: runs list their own requests again, and the operator sees why.
    await db()
      .update(vendorFeed)
      .set({ lastPollOkAt: new Date(Date.now() - 20 * 60 * 1000).toISOString(), lastPollResult: "failed: test" });
    expect((await vendorFeedStatus(db(), Date.now())).reason).toMatch(/^No complete catch-up poll for 20 minutes \(last poll: failed: test\)/);
    const fallback = await lastRequestId();
    expect((await syncTenantNow(tenants[0]!.tenant.id)).portalCalls).toBe(2);
    expect(await portalCallsBy([tenants[0]!.user.email], fallback)).toBe(2);
    // No feed at all: the same.
    await clearVendorFeed(db(), { userId: "usr_test_operator", via: "test" });
    expect((await syncTenantNow(tenants[2]!.tenant.id)).portalCalls).toBe(2);
  });
});

describe("vendor feed: OAuth tenants", () => {
  it("a covered run asks the portal nothing but still rotates a token about to expire (one refresh, no /users/me, no listing)", async () => {
    await configureFeed();
    expect(await pollVendorFeed(env, logger)).toMatchObject({ state: "ok" });
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    const soon = new Date(Date.now() + 10 * 60 * 1000).toISOString();
    // Any known portal user: the feed covers a tenant whose user it can route by.
    const tokens = await connectPortalWithOAuth(tenant.id, soon, { portalUserId: 1 });

    const before = await lastRequestId();
    const run = await syncTenantNow(tenant.id);
    expect([run.status, run.portalCalls]).toEqual(["completed", 1]);
    const paths = (await sandboxRequests("zendesk", before)).map((r) => r.path);
    expect(paths.filter((p) => p.includes("/oauth/tokens"))).toHaveLength(1);
    expect(paths.filter((p) => p.includes("/users/me") || p.includes("/api/v2/requests"))).toEqual([]);
    const [row] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
    expect(Date.parse(row!.accessTokenExpiresAt!)).toBeGreaterThan(Date.parse(soon));
    expect(((await openPortalSecrets(tenant.id, row!.secretsCiphertext)) as { refreshToken: string }).refreshToken).not.toBe(tokens.refreshToken);
    // Fresh now: the next covered run makes no portal call at all.
    expect((await syncTenantNow(tenant.id)).portalCalls).toBe(0);
    await clearVendorFeed(db(), { userId: "usr_test_operator", via: "test" });
  });
});

describe("vendor feed: the account webhook", () => {
  it("routes each event to the requester's tenant only; a requester of no tenant is answered 200 and counted; a redelivery changes nothing", async () => {
    const tenants = [await feedTenant(), await feedTenant(), await feedTenant()];
    const stranger = await endUser();
    await configureFeed();
    const since = await lastDeliveryId();
    const ids = [await request(tenants[0]!.user, "Feed 0"), await request(tenants[1]!.user, "Feed 1"), await request(tenants[2]!.user, "Feed 2")];
    const strangerId = await request(stranger, "Nobody's");
    const deliveries = await createdDeliveries(since, [...ids, strangerId]);

    const answers = [];
    for (const d of deliveries) answers.push(await (await replay(d)).json());
    expect(answers).toEqual([
      { outcome: "routed", tenants: 1 },
      { outcome: "routed", tenants: 1 },
      { outcome: "routed", tenants: 1 },
      { outcome: "ignored: no tenant", tenants: 0 },
    ]);
    expect(await counters()).toEqual({ routed: 3, unrouted: 1 });
    for (const t of tenants) expect(await deliveriesOf(t.tenant.id)).toHaveLength(1);
    // Each tenant syncs its own request, and only that one.
    await waitFor(async () => ((await Promise.all(tenants.map((t) => linksOf(t.tenant.id)))).every((l) => l.length === 1) ? true : undefined), {
      timeoutMs: 20_000,
      what: "three synced requests",
    });
    expect(await Promise.all(tenants.map((t) => linksOf(t.tenant.id)))).toEqual([[ids[0]], [ids[1]], [ids[2]]]);

    expect(await (await replay(deliveries[0]!)).json()).toEqual({ outcome: "duplicate", tenants: 1 });
    expect(await counters()).toEqual({ routed: 3, unrouted: 1 });
  });

  it("refuses forged, stale and unsigned deliveries and changes nothing; no feed, no hook", async () => {
    await clearVendorFeed(db(), { userId: "usr_test_operator", via: "test" });
    expect((await SELF.fetch(HOOK, { method: "POST", body: "{}" })).status).toBe(404);
    const { tenant, user } = await feedTenant();
    await configureFeed();
    const since = await lastDeliveryId();
    const id = await request(user, "Forge me");
    const [delivery] = await createdDeliveries(since, [id]);

    const stale = new Date(Date.now() - 10 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const refused = [
      await replay(delivery!, { headers: { "x-zendesk-webhook-signature": "" } }),
      await replay(delivery!, { body: delivery!.body.replace(`"requester_id":"${user.id}"`, `"requester_id":"${user.id + 1}"`) }),
      await replay(delivery!, { headers: { "x-zendesk-webhook-signature-timestamp": stale } }),
    ];
    expect(refused.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(await deliveriesOf(tenant.id)).toHaveLength(0);
    expect(await counters()).toEqual({ routed: 0, unrouted: 0 });
    expect(await linksOf(tenant.id)).toEqual([]);
  });
});

describe("vendor feed: operator page", () => {
  it("sets a portal admin's credential (never shown or logged again), refuses a non-admin one, tests and clears it", async () => {
    const logs = captureLogs({ quiet: true });
    await clearVendorFeed(db(), { userId: "usr_test_operator", via: "test" });
    const operator = await createUser("operator", null);
    const client = await signIn(operator.email, operator.password);
    const endUserAccount = await endUser();
    const notAdmin = await client.fetch("/operator/vendor-feed", { form: { email: endUserAccount.email, apiToken: endUserAccount.apiToken } });
    expect(notAdmin.status).toBe(400);
    expect(await notAdmin.text()).toContain("not an admin");
    expect(await loadVendorFeed(db())).toBeNull();

    const set = await client.fetch("/operator/vendor-feed", { form: { ...ADMIN, webhookSecret: "whsec-test-signing-secret" } });
    expect(set.status).toBe(200);
    const tested = await client.fetch("/operator/vendor-feed/test", { form: {} });
    expect(await tested.text()).toContain("The credential is a portal admin&#39;s.");
    const page = await (await client.fetch("/operator/vendor-feed")).text();
    expect(page).toContain('data-feed-health="fallback"');
    const cleared = await client.fetch("/operator/vendor-feed/clear", { form: {} });
    expect(cleared.headers.get("location")).toBe("/operator/vendor-feed?done=cleared");
    expect(await loadVendorFeed(db())).toBeNull();

    const everything = [page, await set.text(), logs.text()].join("\n");
    for (const secret of [ADMIN.apiToken, "whsec-test-signing-secret", endUserAccount.apiToken, btoa(`${ADMIN.email}/token:${ADMIN.apiToken}`)]) {
      expect(everything, `a page or log line contains ${secret.slice(0, 6)}…`).not.toContain(secret);
    }
    logs.restore();
  });
});
