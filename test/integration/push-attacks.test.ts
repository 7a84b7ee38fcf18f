import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { portalConnections, webhookDeliveries } from "../../src/db/schema";
import { rateLimiterStub } from "../../src/jobs/stubs";
import { hmacSha256Base64, utf8 } from "../../src/lib/crypto";
import { bindings, sealSecret } from "../../src/lib/secret-binding";
import { HOOK_DELIVERIES_PER_MINUTE, HOOK_RULE, hookLimiterKey } from "../../src/webhooks/hook-limit";
import { createConnectedTenant, PORTAL_BASE } from "../factories/connections";
import { createTicketLink, db } from "../factories/tenants";
import { captureLogs } from "../setup/logs";
import { SANDBOX_ORIGIN, sandboxControl, useSandbox } from "../setup/sandbox";

/**
 * Attacks on the push endpoints, against the running Worker and the sandbox: a ConnectWise
 * cloud customer signing callbacks with its own key, and floods of deliveries. Each must
 * get nothing: no ticket sync queued, no delivery recorded, no key fetched.
 */
useSandbox();

const ORIGIN = "http://localhost";
const PORTAL_TICKET = 424_242;
const CW_TICKET = 717_171;

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

/** Ticket syncs the hook routes queued for this tenant (each queued one logs `hook.queued`). */
const queuedFor = (tenantId: string) => logs.events("hook.queued").filter((e) => e.tenant === tenantId).length;

const deliveriesOf = async (tenantId: string) => (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.tenantId, tenantId))).length;

/** Every URL the Worker fetched during the test (useSandbox's spy is globalThis.fetch). */
const fetchedUrls = () => vi.mocked(globalThis.fetch).mock.calls.map(([input]) => new Request(input as RequestInfo).url);

async function cwSignature(body: string, signingKey: string): Promise<string> {
  return hmacSha256Base64(await crypto.subtle.digest("SHA-256", utf8(signingKey)), body);
}

/** A tenant with one linked ticket: a callback about it that passes verification is queued. */
async function linkedTenant() {
  const tenant = await createConnectedTenant({ settings: false });
  await createTicketLink(tenant.id, PORTAL_TICKET, { cwTicketId: CW_TICKET });
  return tenant;
}

function callbackBody(keyUrl: string, companyId: string): string {
  return JSON.stringify({
    MessageId: crypto.randomUUID(),
    FromUrl: new URL(SANDBOX_ORIGIN).host,
    CompanyId: companyId,
    MemberId: "jparker",
    Action: "updated",
    Type: "ticket",
    ID: CW_TICKET,
    CallbackObjectRecId: 1,
    Entity: null,
    Metadata: { key_url: keyUrl },
  });
}

const postCallback = async (hookId: string, body: string, signature: string) =>
  SELF.fetch(`${ORIGIN}/hooks/connectwise/${hookId}?recordId=${CW_TICKET}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-content-signature": signature },
    body,
  });

/** Another ConnectWise customer on the tenant's (shared) host, with its own genuine callback key. */
async function otherCompanyKey(companyName: string): Promise<{ keyUrl: string; signingKey: string }> {
  const res = await sandboxControl("/connectwise/other-company-keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ companyName }),
  });
  return (await res.json()) as { keyUrl: string; signingKey: string };
}

describe("push attacks: ConnectWise callback key pinning", () => {
  it("a callback signed with another company's key on the same host is refused (whatever CompanyId it claims), and changes nothing", async () => {
    const tenant = await linkedTenant();
    const other = await otherCompanyKey("evilco");
    // The sandbox really serves that key: the only thing standing in the way is psa-sync's check.
    const served = await env.SANDBOX.fetch(new Request(other.keyUrl));
    expect(((await served.json()) as { signing_key: string }).signing_key).toBe(other.signingKey);

    for (const claimed of ["acme", "evilco"]) {
      const body = callbackBody(other.keyUrl, claimed);
      const res = await postCallback(tenant.hookId, body, await cwSignature(body, other.signingKey));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ outcome: "signature refused" });
    }
    // The same key id presented as the tenant's company, and the key page under another path.
    const id = new URL(other.keyUrl).searchParams.get("id")!;
    const asAcme = `${SANDBOX_ORIGIN}/cw/v4_6_release/system/callbackkey/index.rails?companyName=acme&id=${id}`;
    const elsewhere = `${SANDBOX_ORIGIN}/cw/v4_6_release/apis/3.0/system/callbackkey/index.rails?companyName=acme&id=${id}`;
    const withExtra = `${other.keyUrl}&companyName=acme`;
    for (const keyUrl of [asAcme, elsewhere, withExtra]) {
      const body = callbackBody(keyUrl, "acme");
      expect((await postCallback(tenant.hookId, body, await cwSignature(body, other.signingKey))).status).toBe(401);
    }

    expect(queuedFor(tenant.id)).toBe(0);
    expect(await deliveriesOf(tenant.id)).toBe(0);
    // The foreign key was never even fetched; the acme-named one was (and did not match).
    expect(fetchedUrls().filter((u) => u.includes("companyName=evilco"))).toEqual([]);
    expect(fetchedUrls().filter((u) => u === asAcme)).toHaveLength(1);
  });
});

describe("push attacks: deliveries per hook are rate-limited", () => {
  /** Fills the hook's window to `count` hits, as a flood before this request would have. */
  async function prefill(source: "portal" | "connectwise", hookId: string, count: number) {
    const stub = rateLimiterStub(env, hookLimiterKey(source, hookId));
    for (let i = 0; i < count; i++) expect((await stub.take(HOOK_RULE)).allowed).toBe(true);
  }

  it(`the portal hook answers 429 with Retry-After past ${HOOK_DELIVERIES_PER_MINUTE} a minute, before decrypting or queuing anything`, async () => {
    const tenant = await linkedTenant();
    const secret = "portal-webhook-secret";
    await db()
      .update(portalConnections)
      .set({ webhookSecretCiphertext: await sealSecret(env, secret, bindings.portalWebhookSecret(tenant.id, PORTAL_BASE)) })
      .where(eq(portalConnections.tenantId, tenant.id));
    const body = JSON.stringify({
      id: crypto.randomUUID(),
      type: "zen:event-type:ticket.comment_added",
      subject: `zen:ticket:${PORTAL_TICKET}`,
      detail: { id: String(PORTAL_TICKET) },
    });
    const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const signed = {
      "x-zendesk-webhook-signature": await hmacSha256Base64(utf8(secret), timestamp + body),
      "x-zendesk-webhook-signature-timestamp": timestamp,
      "content-type": "application/json",
    };
    const post = (headers: Record<string, string>) => SELF.fetch(`${ORIGIN}/hooks/portal/${tenant.hookId}`, { method: "POST", headers, body });

    await prefill("portal", tenant.hookId, HOOK_DELIVERIES_PER_MINUTE - 1);
    // The last delivery within the limit is counted even though it is refused (unsigned).
    expect((await post({ "content-type": "application/json" })).status).toBe(401);
    const refused = await post(signed);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(queuedFor(tenant.id)).toBe(0);
    expect(await deliveriesOf(tenant.id)).toBe(0);
  });

  it(`the ConnectWise hook answers 429 past ${HOOK_DELIVERIES_PER_MINUTE} a minute without fetching a key`, async () => {
    const tenant = await linkedTenant();
    await prefill("connectwise", tenant.hookId, HOOK_DELIVERIES_PER_MINUTE);
    const keyUrl = `${SANDBOX_ORIGIN}/cw/v4_6_release/system/callbackkey/index.rails?companyName=acme&id=${crypto.randomUUID()}`;
    const body = callbackBody(keyUrl, "acme");
    const res = await postCallback(tenant.hookId, body, "c2lnbmVk");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(fetchedUrls().filter((u) => u.includes("callbackkey"))).toEqual([]);
    expect(queuedFor(tenant.id)).toBe(0);
    expect(await deliveriesOf(tenant.id)).toBe(0);
  });
});
