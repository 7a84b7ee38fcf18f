import { eq } from "drizzle-orm";
import { connectwiseClientFor } from "../connectors/for-tenant";
import { createDb, type Db } from "../db/client";
import { wireDemoPush } from "./demo-push";
import { wireDemoFeed } from "./demo-feed";
import { applyDemoSettings } from "./demo-settings";
import { connectwiseConnections, portalConnections, tenantSettings, tenants, users } from "../db/schema";
import { portalBaseUrl } from "../egress/fetch";
import { hashPassword } from "../lib/crypto";
import { bindings, sealSecret } from "../lib/secret-binding";

/** Fixed local sign-ins and sandbox credentials (README; tools outside the code rely on them). */
export const DEMO = {
  sandboxUrl: "http://localhost:8788",
  tenant: { id: "tnt_acme_demo", name: "Acme MSP", slug: "acme-msp", hookId: "hook_acme_demo" },
  operator: { email: "operator@demo.test", password: "operator-demo-pass" },
  tenantAdmin: { email: "admin@acme-msp.test", password: "acme-demo-pass" },
  portal: { email: "it@acme-msp.test", apiToken: "acme-portal-token", clusterFieldId: 360001234567 },
  connectwise: { companyId: "acme", publicKey: "acme-public-key", privateKey: "acme-private-key", clientId: "psa-sync-demo-client" },
} as const;

export interface SeedResult {
  tenantId: string;
  created: string[];
  /** Board, company and mappings read from the sandbox; why not, when it was unreachable. */
  settings: "applied" | string;
  /** Push (callbacks and webhooks) wired when PUBLIC_URL is set; why not, otherwise. */
  push: string;
  /** The vendor change feed (account webhook and catch-up credential) wired when PUBLIC_URL is set; why not, otherwise. */
  feed: string;
}

/**
 * Seeds the demo tenant, its sign-ins and its sandbox connections. Idempotent: rows that
 * exist are left as they are (an admin's later changes survive a restart).
 */
export async function seedDemo(env: Env, sandboxUrl: string = DEMO.sandboxUrl): Promise<SeedResult> {
  const db = createDb(env.DB);
  const { tenant } = DEMO;
  const syncFrom = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000).toISOString();
  const results = await db.batch([
    db.insert(tenants).values(tenant).onConflictDoNothing().returning({ id: tenants.id }),
    db
      .insert(users)
      .values({
        id: "usr_demo_operator",
        email: DEMO.operator.email,
        name: "Demo Operator",
        role: "operator",
        passwordHash: await hashPassword(DEMO.operator.password, env.PASSWORD_PEPPER),
      })
      .onConflictDoNothing()
      .returning({ id: users.id }),
    db
      .insert(users)
      .values({
        id: "usr_acme_admin",
        email: DEMO.tenantAdmin.email,
        name: "Acme Admin",
        role: "tenant_admin",
        tenantId: tenant.id,
        passwordHash: await hashPassword(DEMO.tenantAdmin.password, env.PASSWORD_PEPPER),
      })
      .onConflictDoNothing()
      .returning({ id: users.id }),
    db
      .insert(portalConnections)
      .values({
        tenantId: tenant.id,
        authMode: "api_token",
        email: DEMO.portal.email,
        secretsCiphertext: await sealSecret(env, { apiToken: DEMO.portal.apiToken }, bindings.portalSecrets(tenant.id, portalBaseUrl(env))),
        clusterFieldId: DEMO.portal.clusterFieldId,
      })
      .onConflictDoNothing()
      .returning({ id: portalConnections.tenantId }),
    db
      .insert(connectwiseConnections)
      .values({
        tenantId: tenant.id,
        site: `${sandboxUrl}/cw`,
        companyId: DEMO.connectwise.companyId,
        publicKey: DEMO.connectwise.publicKey,
        clientId: DEMO.connectwise.clientId,
        secretsCiphertext: await sealSecret(
          env,
          { privateKey: DEMO.connectwise.privateKey },
          bindings.connectwiseSecrets(tenant.id, `${sandboxUrl}/cw`, DEMO.connectwise.companyId),
        ),
      })
      .onConflictDoNothing()
      .returning({ id: connectwiseConnections.tenantId }),
    db.insert(tenantSettings).values({ tenantId: tenant.id, syncFrom }).onConflictDoNothing().returning({ id: tenantSettings.tenantId }),
  ]);
  const names = ["tenant", "operator", "tenant admin", "portal connection", "ConnectWise connection", "settings"];
  const created = names.filter((_, i) => (results[i] as unknown[]).length > 0);
  const settings = await demoSettings(env, db, tenant.id);
  return { tenantId: tenant.id, created, settings, push: await demoPush(env, db, tenant.id, sandboxUrl), feed: await demoFeed(env, db, sandboxUrl) };
}

async function demoPush(env: Env, db: Db, tenantId: string, sandboxUrl: string): Promise<string> {
  if (!env.PUBLIC_URL) return "skipped: PUBLIC_URL is not set";
  try {
    return await wireDemoPush(env, db, tenantId, sandboxUrl, env.PUBLIC_URL);
  } catch (err) {
    return `skipped: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The vendor change feed against the sandbox (the demo operator sets it). */
async function demoFeed(env: Env, db: Db, sandboxUrl: string): Promise<string> {
  if (!env.PUBLIC_URL) return "skipped: PUBLIC_URL is not set";
  try {
    return await wireDemoFeed(env, db, sandboxUrl, env.PUBLIC_URL, "usr_demo_operator");
  } catch (err) {
    return `skipped: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Advanced Settings for the demo, from the sandbox's ConnectWise (skipped when it is not running). */
async function demoSettings(env: Env, db: Db, tenantId: string): Promise<string> {
  const [row] = await db.select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenantId));
  try {
    await applyDemoSettings(db, tenantId, await connectwiseClientFor(env, row!));
    return "applied";
  } catch (err) {
    return `skipped: ${err instanceof Error ? err.message : String(err)}`;
  }
}
