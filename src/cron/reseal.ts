import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { createDb } from "../db/client";
import { connectwiseConnections, portalConnections, vendorFeed } from "../db/schema";
import { FEED_ID, loadVendorFeed } from "../db/queries/vendor-feed";
import { portalBaseUrl } from "../egress/fetch";
import { keyIdOf, sealedKeyId } from "../lib/crypto";
import type { Logger } from "../lib/log";
import { bindings, keyringOf, openSecret, sealSecret } from "../lib/secret-binding";

/**
 * Key rotation, second half: re-seals every stored secret that is not yet under the current
 * ENCRYPTION_KEY (sealed with ENCRYPTION_KEY_PREVIOUS, or a legacy v1 envelope) with the
 * current key and its binding. Runs with the daily job; once it reports nothing left, the
 * previous key can be deleted (README, Rotating the encryption key). A row changed meanwhile
 * is left for the next day (the update only applies to the ciphertext it read).
 */
export interface ResealCounts {
  resealed: number;
  /** Envelopes no configured key opens: their tenants must reconnect. */
  unreadable: number;
}

export async function resealSecrets(env: Env, logger: Logger): Promise<ResealCounts> {
  const db = createDb(env.DB);
  const current = await keyIdOf(keyringOf(env).current);
  const stale = (sealed: string | null): sealed is string => sealed !== null && sealedKeyId(sealed) !== current;
  const counts: ResealCounts = { resealed: 0, unreadable: 0 };
  // Without a portal address (a misconfigured deployment) portal secrets cannot be bound: left as they are.
  const portalBase = env.PORTAL_BASE_URL ? portalBaseUrl(env) : null;

  async function reseal(sealed: string, binding: string, write: (next: string) => Promise<unknown[]>): Promise<void> {
    const value = await openSecret(env, sealed, binding, z.unknown());
    if (value === null) {
      counts.unreadable++;
      return;
    }
    if ((await write(await sealSecret(env, value, binding))).length > 0) counts.resealed++;
  }

  for (const row of await db.select().from(connectwiseConnections)) {
    if (!stale(row.secretsCiphertext)) continue;
    await reseal(row.secretsCiphertext, bindings.connectwiseSecrets(row.tenantId, row.site, row.companyId), (next) =>
      db
        .update(connectwiseConnections)
        .set({ secretsCiphertext: next })
        .where(and(eq(connectwiseConnections.tenantId, row.tenantId), eq(connectwiseConnections.secretsCiphertext, row.secretsCiphertext)))
        .returning({ id: connectwiseConnections.tenantId }),
    );
  }
  if (portalBase) {
    for (const row of await db.select().from(portalConnections)) {
      if (stale(row.secretsCiphertext)) {
        await reseal(row.secretsCiphertext, bindings.portalSecrets(row.tenantId, portalBase), (next) =>
          db
            .update(portalConnections)
            .set({ secretsCiphertext: next })
            .where(and(eq(portalConnections.tenantId, row.tenantId), eq(portalConnections.secretsCiphertext, row.secretsCiphertext)))
            .returning({ id: portalConnections.tenantId }),
        );
      }
      const hookSecret = row.webhookSecretCiphertext;
      if (stale(hookSecret)) {
        await reseal(hookSecret, bindings.portalWebhookSecret(row.tenantId, portalBase), (next) =>
          db
            .update(portalConnections)
            .set({ webhookSecretCiphertext: next })
            .where(and(eq(portalConnections.tenantId, row.tenantId), eq(portalConnections.webhookSecretCiphertext, hookSecret)))
            .returning({ id: portalConnections.tenantId }),
        );
      }
    }
    // The vendor feed's two secrets (one platform row).
    const feed = await loadVendorFeed(db);
    const columns = [
      ["credentialCiphertext", feed?.credentialCiphertext ?? null, bindings.vendorFeedCredential(portalBase)],
      ["webhookSecretCiphertext", feed?.webhookSecretCiphertext ?? null, bindings.vendorFeedWebhookSecret(portalBase)],
    ] as const;
    for (const [column, sealed, binding] of columns) {
      if (!stale(sealed)) continue;
      await reseal(sealed, binding, (next) =>
        db
          .update(vendorFeed)
          .set({ [column]: next })
          .where(and(eq(vendorFeed.id, FEED_ID), eq(vendorFeed[column], sealed)))
          .returning({ id: vendorFeed.id }),
      );
    }
  }
  logger.info("secrets.resealed", { resealed: counts.resealed, unreadable: counts.unreadable, keyId: current });
  return counts;
}
