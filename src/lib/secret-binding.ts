import { z } from "zod";
import { decryptSecret, encryptSecret, type Keyring } from "./crypto";

/**
 * What each stored secret is bound to (AES-GCM associated data): its tenant, its column
 * and the host it may be sent to (for ConnectWise also the company it signs in as). A
 * ciphertext moved to another row, or a connection re-pointed at another host, no longer
 * opens, so a stored secret can only ever go where it was entered for.
 */
export function keyringOf(env: Pick<Env, "ENCRYPTION_KEY"> & { ENCRYPTION_KEY_PREVIOUS?: string }): Keyring {
  return { current: env.ENCRYPTION_KEY, previous: env.ENCRYPTION_KEY_PREVIOUS || undefined };
}

const hostOf = (url: string) => new URL(url).host.toLowerCase();

export const bindings = {
  portalSecrets: (tenantId: string, portalBaseUrl: string) => `psa-sync|${tenantId}|portal_connections.secrets|${hostOf(portalBaseUrl)}`,
  portalWebhookSecret: (tenantId: string, portalBaseUrl: string) => `psa-sync|${tenantId}|portal_connections.webhook_secret|${hostOf(portalBaseUrl)}`,
  connectwiseSecrets: (tenantId: string, site: string, companyId: string) =>
    `psa-sync|${tenantId}|connectwise_connections.secrets|${hostOf(site)}|${companyId.toLowerCase()}`,
  oauthState: () => "psa-sync|oauth-state",
  /** The platform's own row: no tenant, bound to the portal host like the tenants' portal secrets. */
  vendorFeedCredential: (portalBaseUrl: string) => `psa-sync|platform|vendor_feed.credential|${hostOf(portalBaseUrl)}`,
  vendorFeedWebhookSecret: (portalBaseUrl: string) => `psa-sync|platform|vendor_feed.webhook_secret|${hostOf(portalBaseUrl)}`,
};

export const portalSecrets = z.union([z.object({ accessToken: z.string(), refreshToken: z.string() }), z.object({ apiToken: z.string() })]);
export type PortalSecrets = z.infer<typeof portalSecrets>;
/** A portal admin's API token credential (the vendor feed's incremental export is admin-only). */
export const vendorFeedCredential = z.object({ email: z.email().max(254), apiToken: z.string().min(1).max(200) });
export type VendorFeedCredential = z.infer<typeof vendorFeedCredential>;
export const connectwiseSecrets = z.object({ privateKey: z.string() });

type SecretEnv = Parameters<typeof keyringOf>[0];

export const sealSecret = (env: SecretEnv, value: unknown, binding: string) => encryptSecret(keyringOf(env), value, binding);

/** Opens and validates a stored secret; null when it cannot be opened (wrong key or binding) or is malformed. */
export async function openSecret<T>(env: SecretEnv, sealed: string, binding: string, schema: z.ZodType<T>): Promise<T | null> {
  try {
    const parsed = schema.safeParse(await decryptSecret(keyringOf(env), sealed, binding));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
