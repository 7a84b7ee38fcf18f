import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { connectwiseClientFor } from "../../src/connectors/for-tenant";
import { applyDemoSettings } from "../../src/dev/demo-settings";
import { connectwiseConnections, portalConnections, tenantSettings } from "../../src/db/schema";
import { bindings, connectwiseSecrets, openSecret, portalSecrets, sealSecret, type PortalSecrets } from "../../src/lib/secret-binding";
import { exchangeCode } from "../../src/connectors/zendesk";
import { portalAuthorizationCode } from "../integration/connectors/helpers";
import { SANDBOX_ORIGIN, sandboxControl } from "../setup/sandbox";
import { portalUser } from "../setup/sandbox-actors";
import { createTenant, db } from "./tenants";

/** Where the tests' portal is (PORTAL_BASE_URL in vitest.config.ts). */
export const PORTAL_BASE = `${SANDBOX_ORIGIN}/zendesk`;
const CW_SITE = `${SANDBOX_ORIGIN}/cw`;

/** Seals portal secrets as the Worker does (bound to the tenant and the deployment's portal). */
export const sealPortalSecrets = (tenantId: string, value: PortalSecrets) => sealSecret(env, value, bindings.portalSecrets(tenantId, PORTAL_BASE));
export const openPortalSecrets = (tenantId: string, sealed: string) => openSecret(env, sealed, bindings.portalSecrets(tenantId, PORTAL_BASE), portalSecrets);
/** Seals a ConnectWise private key as the Worker does (bound to the tenant, site and company). */
export const sealCwSecrets = (tenantId: string, privateKey: string, site = CW_SITE, companyId = "acme") =>
  sealSecret(env, { privateKey }, bindings.connectwiseSecrets(tenantId, site, companyId));
export const openCwSecrets = (tenantId: string, sealed: string, site = CW_SITE, companyId = "acme") =>
  openSecret(env, sealed, bindings.connectwiseSecrets(tenantId, site, companyId), connectwiseSecrets);

/** The sandbox's ClusterID custom field (sandbox/src/demo-data.ts). */
const CLUSTER_FIELD_ID = 360001234567;

/**
 * A tenant connected to the sandbox with the demo credentials and mappings, importing
 * only portal requests updated from `syncFrom` on (default: now), so a test sees its own.
 * Needs `routeFetchToSandbox()` active. With `ownCwMember`, the tenant calls ConnectWise as
 * its own API member (public key = its id), so the sandbox log tells its calls apart.
 */
export async function createConnectedTenant(
  opts: { syncFrom?: string; portalUser?: { email: string; apiToken: string }; ownCwMember?: boolean; settings?: boolean } = {},
) {
  const portalUser = opts.portalUser ?? { email: "it@acme-msp.test", apiToken: "acme-portal-token" };
  const tenant = await createTenant();
  const cwKeys = opts.ownCwMember
    ? { publicKey: tenant.id, privateKey: `${tenant.id}-private` }
    : { publicKey: "acme-public-key", privateKey: "acme-private-key" };
  if (opts.ownCwMember) {
    const res = await sandboxControl("/connectwise/api-members", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(cwKeys),
    });
    if (res.status !== 201) throw new Error(`sandbox refused the API member: ${res.status}`);
  }
  await db().batch([
    db()
      .insert(portalConnections)
      .values({
        tenantId: tenant.id,
        authMode: "api_token",
        email: portalUser.email,
        secretsCiphertext: await sealPortalSecrets(tenant.id, { apiToken: portalUser.apiToken }),
        clusterFieldId: CLUSTER_FIELD_ID,
      }),
    db()
      .insert(connectwiseConnections)
      .values({
        tenantId: tenant.id,
        site: CW_SITE,
        companyId: "acme",
        publicKey: cwKeys.publicKey,
        clientId: "psa-sync-demo-client",
        secretsCiphertext: await sealCwSecrets(tenant.id, cwKeys.privateKey),
      }),
    db()
      .insert(tenantSettings)
      .values({ tenantId: tenant.id, syncFrom: opts.syncFrom ?? new Date().toISOString() }),
  ]);
  if (opts.settings !== false) await applyTestSettings(tenant.id);
  return tenant;
}

/** Advanced Settings as the demo saves them (board, catch-all company, every mapping). */
export async function applyTestSettings(tenantId: string) {
  const [row] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId));
  await applyDemoSettings(db(), tenantId, await connectwiseClientFor(env, row!));
}

/**
 * A connected tenant whose portal user is its own new end user: it sees only the requests
 * its `customer` makes. (Every test shares one sandbox, and a tenant connected as the demo
 * end user imports whatever other tests' requests fall in its "sync from" window.)
 */
export async function createTenantWithCustomer(opts: { syncFrom?: string; ownCwMember?: boolean; settings?: boolean } = {}) {
  const user = { email: `customer-${crypto.randomUUID()}@msp.test`, apiToken: crypto.randomUUID().replaceAll("-", "") };
  await sandboxControl("/zendesk/end-users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
  const tenant = await createConnectedTenant({ ...opts, portalUser: user });
  return { tenant, customer: portalUser(user.email, user.apiToken) };
}

/**
 * Switches a tenant's portal connection to OAuth (the default customer's grant, through
 * the sandbox's authorization page with PKCE) with its access token expiring at `expiresAt`.
 */
export async function connectPortalWithOAuth(tenantId: string, expiresAt: string, columns: Partial<typeof portalConnections.$inferInsert> = {}) {
  const redirectUri = "http://localhost/callback";
  const grant = await portalAuthorizationCode({ clientId: "psa-sync", redirectUri, email: "it@acme-msp.test", password: "acme-portal-pass" });
  const tokens = await exchangeCode({
    fetch: (i, init) => fetch(i, init),
    baseUrl: PORTAL_BASE,
    clientId: "psa-sync",
    clientSecret: "psa-sync-demo-secret",
    ...grant,
    redirectUri,
  });
  await db()
    .update(portalConnections)
    .set({
      ...columns,
      authMode: "oauth",
      secretsCiphertext: await sealPortalSecrets(tenantId, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }),
      accessTokenExpiresAt: expiresAt,
    })
    .where(eq(portalConnections.tenantId, tenantId));
  return tokens;
}
