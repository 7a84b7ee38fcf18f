import { vendorAdminClient } from "../../connectors/for-vendor";
import type { Db } from "../../db/client";
import type { Actor } from "../../domain/actor";
import { auditStatement } from "../../db/queries/audit";
import { deleteVendorFeedStatement, loadVendorFeed, upsertVendorFeedStatement } from "../../db/queries/vendor-feed";
import { portalBaseUrl } from "../../egress/fetch";
import { feedHealth } from "../../feed/health";
import { AppError } from "../../lib/errors";
import { bindings, openSecret, sealSecret, vendorFeedCredential, type VendorFeedCredential } from "../../lib/secret-binding";
import type { VendorFeedForm } from "./schemas";

/** Where the vendor's account webhook posts (one address for the whole portal account). */
export const vendorHookUrl = (publicOrigin: string) => `${publicOrigin.replace(/\/+$/, "")}/hooks/vendor`;

export type CredentialTest = { ok: true; message: string } | { ok: false; message: string };

/** One `GET /api/v2/users/me` (through egress and the portal budget): is this a portal admin? */
async function testAdminCredential(env: Env, credential: VendorFeedCredential): Promise<CredentialTest> {
  try {
    const me = await vendorAdminClient(env, credential).me();
    if (me.role !== "admin") return { ok: false, message: `The portal user is "${me.role}", not an admin: the incremental export is for admins only.` };
    return { ok: true, message: "The credential is a portal admin's." };
  } catch (err) {
    // psa-sync's own wording with the path and status; never the token.
    return { ok: false, message: err instanceof AppError ? `The portal refused or could not be reached: ${err.message}` : "The portal could not be reached." };
  }
}

/** The stored credential, tested again ("Test" on the operator page). */
export async function testStoredCredential(env: Env, db: Db): Promise<CredentialTest> {
  const feed = await loadVendorFeed(db);
  if (!feed) return { ok: false, message: "No vendor feed is configured." };
  const credential = await openSecret(env, feed.credentialCiphertext, bindings.vendorFeedCredential(portalBaseUrl(env)), vendorFeedCredential);
  if (!credential) return { ok: false, message: "The stored credential cannot be opened (the encryption key or the portal address changed): set it again." };
  return testAdminCredential(env, credential);
}

/**
 * Sets or replaces the vendor feed: the credential must be a portal admin's (tested first,
 * nothing stored otherwise: refused with the test's message); a blank webhook secret keeps
 * the stored one. Audited. Answers what happened, for the operator.
 */
export async function setVendorFeed(env: Env, db: Db, actor: Actor, form: VendorFeedForm): Promise<string> {
  const credential = { email: form.email, apiToken: form.apiToken };
  const test = await testAdminCredential(env, credential);
  if (!test.ok) throw new AppError("invalid_payload", test.message);
  const base = portalBaseUrl(env);
  const existing = await loadVendorFeed(db);
  const webhookSecretCiphertext = form.webhookSecret
    ? await sealSecret(env, form.webhookSecret, bindings.vendorFeedWebhookSecret(base))
    : (existing?.webhookSecretCiphertext ?? null);
  await db.batch([
    upsertVendorFeedStatement(db, { credentialCiphertext: await sealSecret(env, credential, bindings.vendorFeedCredential(base)), webhookSecretCiphertext }),
    auditStatement(db, {
      tenantId: null,
      userId: actor.userId,
      action: existing ? "vendor_feed.replaced" : "vendor_feed.set",
      detail: `Vendor feed credential ${existing ? "replaced" : "set"} (${actor.via})`,
    }),
  ]);
  return existing ? "Vendor feed credential replaced." : "Vendor feed set: the next catch-up poll starts it.";
}

/** Removes the feed: tenant runs list their own requests again from their next run. Audited. */
export async function clearVendorFeed(db: Db, actor: Actor): Promise<boolean> {
  if (!(await loadVendorFeed(db))) return false;
  await db.batch([
    deleteVendorFeedStatement(db),
    auditStatement(db, { tenantId: null, userId: actor.userId, action: "vendor_feed.cleared", detail: `Vendor feed cleared (${actor.via})` }),
  ]);
  return true;
}

/** What the operator sees: never a secret, only whether each is set. */
export interface VendorFeedStatus {
  configured: boolean;
  webhookSecretSet: boolean;
  cursorSet: boolean;
  lastPollAt: string | null;
  lastPollResult: string | null;
  lastPollOkAt: string | null;
  eventsRouted: number;
  eventsUnrouted: number;
  ticketsQueued: number;
  /** Whether tenant runs rely on the feed now, and if not, why. */
  healthy: boolean;
  reason: string | null;
}

export async function vendorFeedStatus(db: Db, now: number): Promise<VendorFeedStatus> {
  const feed = await loadVendorFeed(db);
  const health = feedHealth(feed, now);
  return {
    configured: feed !== null,
    webhookSecretSet: Boolean(feed?.webhookSecretCiphertext),
    cursorSet: Boolean(feed?.exportCursor),
    lastPollAt: feed?.lastPollAt ?? null,
    lastPollResult: feed?.lastPollResult ?? null,
    lastPollOkAt: feed?.lastPollOkAt ?? null,
    eventsRouted: feed?.eventsRouted ?? 0,
    eventsUnrouted: feed?.eventsUnrouted ?? 0,
    ticketsQueued: feed?.ticketsQueued ?? 0,
    healthy: health.healthy,
    reason: health.healthy ? null : health.reason,
  };
}
