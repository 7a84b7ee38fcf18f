import { z } from "zod";
import { createDb } from "../db/client";
import { connectwiseConnections, portalConnections } from "../db/schema";
import { eq } from "drizzle-orm";
import { AppError } from "../lib/errors";
import { decryptSecret, encryptSecret } from "../lib/crypto";
import { createConnectWiseClient, lookupCodebase } from "./connectwise";
import type { ConnectWiseClient, FetchLike, OAuthTokens, PortalClient } from "./types";
import { createPortalClient, type PortalAuth } from "./zendesk";

type PortalRow = typeof portalConnections.$inferSelect;
type ConnectWiseRow = typeof connectwiseConnections.$inferSelect;

/** Secret envelopes as stored (zod: a JSON column read from D1 is a boundary too). */
const portalSecrets = z.union([
  z.object({ accessToken: z.string(), refreshToken: z.string() }),
  z.object({ apiToken: z.string() }),
]);
const connectwiseSecrets = z.object({ privateKey: z.string() });

/** Outbound fetch read at call time, so tests can route it to the sandbox. */
const liveFetch: FetchLike = (input, init) => fetch(input, init);

async function openSecrets<T>(env: Env, sealed: string, schema: z.ZodType<T>): Promise<T> {
  let plain: unknown;
  try {
    plain = await decryptSecret(env.ENCRYPTION_KEY, sealed);
  } catch {
    throw new AppError("unauthorized", "Stored credentials cannot be decrypted (was ENCRYPTION_KEY rotated?). Reconnect.");
  }
  const parsed = schema.safeParse(plain);
  if (!parsed.success) throw new AppError("unauthorized", "Stored credentials are incomplete. Reconnect.");
  return parsed.data;
}

/**
 * The portal client for a tenant; rotated OAuth tokens are persisted encrypted.
 * `refreshWithinMs` treats a token expiring that soon as expired (the tenant run refreshes
 * early, so the ticket syncs running beside each other never race to rotate the pair).
 */
export async function portalClientFor(env: Env, row: PortalRow, fetchImpl: FetchLike = liveFetch, opts: { refreshWithinMs?: number } = {}): Promise<PortalClient> {
  const secrets = await openSecrets(env, row.secretsCiphertext, portalSecrets);
  let auth: PortalAuth;
  if ("apiToken" in secrets) {
    auth = { kind: "api_token", email: row.email ?? "", apiToken: secrets.apiToken };
  } else {
    auth = {
      kind: "oauth",
      accessToken: secrets.accessToken,
      refreshToken: secrets.refreshToken,
      expiresAt: row.accessTokenExpiresAt ?? new Date(0).toISOString(),
      clientId: env.PORTAL_OAUTH_CLIENT_ID,
      clientSecret: env.PORTAL_OAUTH_CLIENT_SECRET,
    };
  }
  const onTokens = async (tokens: OAuthTokens) => {
    const secretsCiphertext = await encryptSecret(env.ENCRYPTION_KEY, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    await createDb(env.DB)
      .update(portalConnections)
      .set({ secretsCiphertext, accessTokenExpiresAt: tokens.expiresAt, updatedAt: new Date().toISOString() })
      .where(eq(portalConnections.tenantId, row.tenantId));
  };
  const skew = opts.refreshWithinMs ?? 0;
  return createPortalClient({ fetch: fetchImpl, baseUrl: row.baseUrl, auth, onTokens, clusterFieldId: row.clusterFieldId, now: () => Date.now() + skew });
}

/** The ConnectWise client for a tenant; the codebase is looked up once and remembered. */
export async function connectwiseClientFor(env: Env, row: ConnectWiseRow, fetchImpl: FetchLike = liveFetch): Promise<ConnectWiseClient> {
  const { privateKey } = await openSecrets(env, row.secretsCiphertext, connectwiseSecrets);
  let codebase = row.codebase;
  if (!codebase) {
    codebase = await lookupCodebase({ fetch: fetchImpl, site: row.site, companyId: row.companyId });
    await createDb(env.DB).update(connectwiseConnections).set({ codebase }).where(eq(connectwiseConnections.tenantId, row.tenantId));
  }
  return createConnectWiseClient({ fetch: fetchImpl, site: row.site, companyId: row.companyId, publicKey: row.publicKey, privateKey, clientId: row.clientId, codebase });
}
