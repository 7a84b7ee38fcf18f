import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { connectwiseClientFor, portalClientFor } from "../../src/connectors/for-tenant";
import { resealSecrets } from "../../src/cron/reseal";
import { connectwiseConnections, portalConnections } from "../../src/db/schema";
import { keyIdOf, sealedKeyId } from "../../src/lib/crypto";
import { loadVendorFeed, upsertVendorFeedStatement } from "../../src/db/queries/vendor-feed";
import { createLogger } from "../../src/lib/log";
import { bindings, sealSecret } from "../../src/lib/secret-binding";
import { createConnectedTenant, PORTAL_BASE } from "../factories/connections";
import { db } from "../factories/tenants";
import { useSandbox } from "../setup/sandbox";

useSandbox();

const NEW_KEY = btoa("the-next-key-of-thirty-two-byte!");

/**
 * Rotating ENCRYPTION_KEY (README): the new key becomes ENCRYPTION_KEY, the old one
 * ENCRYPTION_KEY_PREVIOUS; everything keeps working meanwhile, the daily job re-seals
 * every envelope under the new key, and then the old key can go.
 */
describe("rotating the encryption key", () => {
  it("keeps syncing during the rotation, re-seals every secret under the new key, and needs the old key no more", async () => {
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 2000).toISOString() });
    await db()
      .update(portalConnections)
      .set({ webhookSecretCiphertext: await sealSecret(env, "hook-secret", bindings.portalWebhookSecret(tenant.id, PORTAL_BASE)) })
      .where(eq(portalConnections.tenantId, tenant.id));
    // The vendor feed's credential and webhook secret (the platform's own row) rotate too.
    await upsertVendorFeedStatement(db(), {
      credentialCiphertext: await sealSecret(
        env,
        { email: "agent@easyconnect.test", apiToken: "agent-portal-token" },
        bindings.vendorFeedCredential(PORTAL_BASE),
      ),
      webhookSecretCiphertext: await sealSecret(env, "vendor-hook-secret", bindings.vendorFeedWebhookSecret(PORTAL_BASE)),
    });
    const oldId = await keyIdOf(env.ENCRYPTION_KEY);
    const rotating = { ...env, ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: env.ENCRYPTION_KEY };

    // During the rotation both keys open what is stored: both clients still work against the sandbox.
    const works = async (e: Env) => {
      const [p] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
      const [c] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id));
      await (await portalClientFor(e, p!)).me();
      await (await connectwiseClientFor(e, c!)).listPriorities();
      return true;
    };
    expect(await works(rotating)).toBe(true);

    const counts = await resealSecrets(rotating, createLogger());
    expect(counts.unreadable).toBe(0);
    expect(counts.resealed).toBeGreaterThanOrEqual(5);
    const [portal] = await db().select().from(portalConnections).where(eq(portalConnections.tenantId, tenant.id));
    const [cw] = await db().select().from(connectwiseConnections).where(eq(connectwiseConnections.tenantId, tenant.id));
    const newId = await keyIdOf(NEW_KEY);
    const feed = (await loadVendorFeed(db()))!;
    for (const sealed of [
      portal!.secretsCiphertext,
      portal!.webhookSecretCiphertext!,
      cw!.secretsCiphertext,
      feed.credentialCiphertext,
      feed.webhookSecretCiphertext!,
    ]) {
      expect(sealedKeyId(sealed)).toBe(newId);
    }
    expect(newId).not.toBe(oldId);

    // A second pass finds nothing left; then the old key can go and syncing still works.
    expect((await resealSecrets(rotating, createLogger())).resealed).toBe(0);
    expect(await works({ ...env, ENCRYPTION_KEY: NEW_KEY })).toBe(true);
    // Back on the old key alone nothing opens: proof the old key is really out of use.
    await expect(works(env)).rejects.toThrow(/cannot be opened/);
  });
});
