import { lookupCodebase } from "../../connectors/connectwise";
import type { OAuthTokens, PortalIdentity } from "../../connectors/types";
import { createPortalClient, exchangeCode, type PortalAuth } from "../../connectors/zendesk";
import { nowIso, type Db } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import {
  clearAttentionStatement,
  findConnectWiseConnection,
  findPortalConnection,
  upsertConnectWiseStatement,
  upsertPortalStatement,
  upsertSettingsStatement,
  type ConnectWiseRow,
  type PortalRow,
} from "../../db/queries/configuration";
import { connectwiseFetch, portalFetch } from "../../connectors/for-tenant";
import { EgressRefused, portalBaseUrl } from "../../egress/fetch";
import { bindings, sealSecret } from "../../lib/secret-binding";
import { notEndUserProblem } from "../../sync/ownership";
import { DEFAULT_CLUSTER_FIELD_ID, type ConnectWiseInput, type PortalPutBody } from "./schemas";
import { ADMIN_TIMEOUT_MS, describeFailure } from "./errors";
import type { Actor } from "../../domain/actor";
import { AppError, FieldErrors } from "../../lib/errors";

/**
 * Connecting both systems: every credential is checked against the live system before it
 * is stored, stored only as an AES-GCM envelope, and written together with its audit entry.
 */
/** Who changes a tenant's configuration (its audit rows name the user), and which tenant's. */
export type ConfigurationActor = Actor & { tenantId: string };

/** The request's actor on the request's tenant (pages and API alike). */
export const configurationActor = (v: { actor: Actor; tenantId: string }): ConfigurationActor => ({ ...v.actor, tenantId: v.tenantId });

/** Someone is waiting at the page: a longer wait for the portal account's budget says "try again" instead. */
const ADMIN_BUDGET_WAIT_MS = 5_000;

/** Learns who we act as on the portal; proves the credentials work. */
async function portalIdentity(env: Env, tenantId: string, auth: PortalAuth, clusterFieldId: number | null, onTokens?: (t: OAuthTokens) => void) {
  const client = createPortalClient({
    fetch: portalFetch(env, tenantId, undefined, { maxWaitMs: ADMIN_BUDGET_WAIT_MS }),
    baseUrl: portalBaseUrl(env),
    auth,
    clusterFieldId,
    onTokens,
    timeoutMs: ADMIN_TIMEOUT_MS,
  });
  return client.me();
}

async function savePortal(
  db: Db,
  actor: ConfigurationActor,
  row: Omit<PortalRow, "tenantId" | "updatedAt" | "status" | "statusReason" | "webhookSecretCiphertext" | "identityCheckedAt">,
  how: string,
) {
  const existing = await findPortalConnection(db, actor.tenantId);
  await db.batch([
    upsertPortalStatement(db, { tenantId: actor.tenantId, ...row, status: "connected", statusReason: null, identityCheckedAt: null, updatedAt: nowIso() }),
    clearAttentionStatement(db, actor.tenantId),
    auditStatement(db, {
      tenantId: actor.tenantId,
      userId: actor.userId,
      action: existing ? "credentials.rotated" : "portal.connected",
      target: "portal",
      detail: `Support Portal ${how} as ${row.email ?? "?"}`,
    }),
  ]);
}

/**
 * "Generate Token" callback: exchanges the code (with its PKCE verifier) at the deployment's
 * portal, learns the user, stores the tokens encrypted. The client secret goes nowhere else.
 * A code or account the portal side will not give us throws `upstream_refused` (502; nothing stored).
 */
export async function connectPortalOAuth(
  env: Env,
  db: Db,
  actor: ConfigurationActor,
  opts: { code: string; codeVerifier: string; redirectUri: string; clusterFieldId: number | null },
): Promise<void> {
  const clientId = env.PORTAL_OAUTH_CLIENT_ID;
  const clientSecret = env.PORTAL_OAUTH_CLIENT_SECRET;
  let tokens: OAuthTokens;
  let me: PortalIdentity;
  try {
    tokens = await exchangeCode({
      fetch: portalFetch(env, actor.tenantId, undefined, { maxWaitMs: ADMIN_BUDGET_WAIT_MS }),
      baseUrl: portalBaseUrl(env),
      clientId,
      clientSecret,
      code: opts.code,
      codeVerifier: opts.codeVerifier,
      redirectUri: opts.redirectUri,
    });
  } catch (err) {
    throw new AppError(
      "upstream_refused",
      `The portal did not accept the sign-in code (it may have expired or been used already): ${describeFailure(err, "portal")} Click "Generate Token" to try again.`,
    );
  }
  try {
    me = await portalIdentity(env, actor.tenantId, { kind: "oauth", ...tokens, clientId, clientSecret }, opts.clusterFieldId, (t) => (tokens = t));
  } catch (err) {
    throw new AppError("upstream_refused", `The portal issued a token but would not tell us who it belongs to: ${describeFailure(err, "portal")}`);
  }
  // An agent or admin sees every provider's requests: refused, and nothing stored.
  const notEndUser = notEndUserProblem(me);
  if (notEndUser) throw new AppError("upstream_refused", notEndUser);
  const secretsCiphertext = await sealSecret(
    env,
    { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken },
    bindings.portalSecrets(actor.tenantId, portalBaseUrl(env)),
  );
  await savePortal(
    db,
    actor,
    {
      authMode: "oauth",
      email: me.email,
      secretsCiphertext,
      accessTokenExpiresAt: tokens.expiresAt,
      clusterFieldId: opts.clusterFieldId ?? DEFAULT_CLUSTER_FIELD_ID,
      portalUserId: me.id,
      portalOrganizationId: me.organizationId,
    },
    "connected with OAuth",
  );
}

/**
 * API-token credentials, or (without them) a new ClusterID field for the stored
 * connection. Credentials are verified with `me()` first; refused ones throw `FieldErrors`.
 */
export async function connectPortalToken(env: Env, db: Db, actor: ConfigurationActor, input: PortalPutBody): Promise<void> {
  const clusterFieldId = input.clusterFieldId ?? DEFAULT_CLUSTER_FIELD_ID;
  if (input.email && input.apiToken) {
    let me: PortalIdentity;
    try {
      me = await portalIdentity(env, actor.tenantId, { kind: "api_token", email: input.email, apiToken: input.apiToken }, clusterFieldId);
    } catch (err) {
      throw FieldErrors.of({ apiToken: `${describeFailure(err, "portal")} Check the email and API token.` });
    }
    const notEndUser = notEndUserProblem(me);
    if (notEndUser) throw FieldErrors.of({ email: notEndUser });
    const secretsCiphertext = await sealSecret(env, { apiToken: input.apiToken }, bindings.portalSecrets(actor.tenantId, portalBaseUrl(env)));
    await savePortal(
      db,
      actor,
      {
        authMode: "api_token",
        email: input.email,
        secretsCiphertext,
        accessTokenExpiresAt: null,
        clusterFieldId,
        portalUserId: me.id,
        portalOrganizationId: me.organizationId,
      },
      "connected with an API token",
    );
    return;
  }
  const existing = await findPortalConnection(db, actor.tenantId);
  if (!existing) throw FieldErrors.of({ apiToken: "Not connected yet: send email and apiToken (or use Generate Token in the admin utility)." });
  await db.batch([
    upsertPortalStatement(db, { ...existing, clusterFieldId, updatedAt: nowIso() }),
    auditStatement(db, {
      tenantId: actor.tenantId,
      userId: actor.userId,
      action: "portal.updated",
      target: "portal",
      detail: `ClusterID field ${clusterFieldId}`,
    }),
  ]);
}

/** What identifies a ConnectWise connection: its stored key only ever goes to the same place, as the same member. */
const sameDestination = (a: Pick<ConnectWiseInput, "site" | "companyId" | "publicKey" | "clientId">, b: ConnectWiseRow) =>
  new URL(a.site).host.toLowerCase() === new URL(b.site).host.toLowerCase() &&
  a.site.replace(/\/+$/, "") === b.site.replace(/\/+$/, "") &&
  a.companyId.toLowerCase() === b.companyId.toLowerCase() &&
  a.publicKey === b.publicKey &&
  a.clientId === b.clientId;

/**
 * Saves the ConnectWise connection after looking the codebase up. A blank private key
 * keeps the stored one only while the site, company, public key and clientId stay the
 * same: a connection pointed elsewhere needs its key entered again, so a stored key can
 * never be sent to a host (or member) it was not entered for.
 */
export async function saveConnectWise(
  env: Env,
  db: Db,
  actor: ConfigurationActor,
  input: ConnectWiseInput,
  opts: { requestOrigin?: string } = {},
): Promise<void> {
  const existing = await findConnectWiseConnection(db, actor.tenantId);
  if (!input.privateKey && !existing) throw FieldErrors.of({ privateKey: "Enter the private key" });
  if (!input.privateKey && existing && !sameDestination(input, existing)) {
    throw FieldErrors.of({
      privateKey: "Enter the private key again: the site, company id, public key or clientId changed, and the stored key only goes where it was entered for.",
    });
  }
  const fetch = await connectwiseFetch(env, { tenantId: actor.tenantId, site: input.site }, undefined, opts);
  let codebase: string;
  try {
    codebase = await lookupCodebase({ fetch, site: input.site, companyId: input.companyId, timeoutMs: ADMIN_TIMEOUT_MS });
  } catch (err) {
    throw FieldErrors.of({
      [err instanceof EgressRefused ? "site" : "companyId"]:
        `Could not look up the codebase: ${describeFailure(err, "connectwise")} Check the site URL and company id.`,
    });
  }
  const binding = bindings.connectwiseSecrets(actor.tenantId, input.site, input.companyId);
  const secretsCiphertext = input.privateKey ? await sealSecret(env, { privateKey: input.privateKey }, binding) : existing!.secretsCiphertext;
  const rotated = existing !== null && (Boolean(input.privateKey) || input.publicKey !== existing.publicKey || input.companyId !== existing.companyId);
  const row: ConnectWiseRow = {
    ...(existing ?? { callbackId: null, apiMemberIdentifier: null }),
    // New keys may belong to another API member: relearned from the next write's response.
    ...(rotated ? { apiMemberIdentifier: null } : {}),
    tenantId: actor.tenantId,
    site: input.site,
    companyId: input.companyId,
    publicKey: input.publicKey,
    clientId: input.clientId,
    codebase,
    secretsCiphertext,
    status: "connected",
    statusReason: null,
    updatedAt: nowIso(),
  };
  await db.batch([
    upsertConnectWiseStatement(db, row),
    // Another site or member: the next run checks the board and the callback again.
    upsertSettingsStatement(db, actor.tenantId, { boardCheckedAt: null }),
    clearAttentionStatement(db, actor.tenantId),
    auditStatement(db, {
      tenantId: actor.tenantId,
      userId: actor.userId,
      action: existing ? (rotated ? "credentials.rotated" : "connectwise.updated") : "connectwise.connected",
      target: "connectwise",
      detail: `ConnectWise ${input.site}, company ${input.companyId}, public key ${input.publicKey}, codebase ${codebase}`,
    }),
  ]);
}

/** What a page or the API may show of a portal connection: never a secret. */
export function publicPortal(row: PortalRow | null) {
  if (!row) return { configured: false as const };
  return {
    configured: true as const,
    authMode: row.authMode,
    email: row.email,
    portalUserId: row.portalUserId,
    clusterFieldId: row.clusterFieldId,
    accessTokenExpiresAt: row.accessTokenExpiresAt,
    status: row.status,
    statusReason: row.statusReason,
    updatedAt: row.updatedAt,
  };
}

/** What a page or the API may show of a ConnectWise connection: the private key is only "saved". */
export function publicConnectWise(row: ConnectWiseRow | null) {
  if (!row) return { configured: false as const };
  return {
    configured: true as const,
    site: row.site,
    companyId: row.companyId,
    publicKey: row.publicKey,
    clientId: row.clientId,
    codebase: row.codebase,
    privateKeySaved: true,
    status: row.status,
    statusReason: row.statusReason,
    updatedAt: row.updatedAt,
  };
}
