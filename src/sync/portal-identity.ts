import { eq } from "drizzle-orm";
import { portalClientFor } from "../connectors/for-tenant";
import type { Db } from "../db/client";
import { findPortalConnection, loadConfiguration, type PortalRow } from "../db/queries/configuration";
import { rememberPortalIdentity } from "../db/queries/sync-state";
import { portalConnections } from "../db/schema";
import { identityProblem, notEndUserProblem, ownershipRefusal } from "./ownership";

/** A role change with nothing else to show for it is caught within this long. */
export const IDENTITY_CHECK_EVERY_MS = 60 * 60 * 1000;

/**
 * Whether a run asks /users/me before listing: never asked (new credentials), asked over an
 * hour ago, or the OAuth token is about to be refreshed (the refresh may bring another
 * user's grant). A listed request that is not the user's triggers a check too (the caller).
 */
export function identityCheckDue(
  row: Pick<PortalRow, "identityCheckedAt" | "authMode" | "accessTokenExpiresAt" | "portalUserId">,
  now: number,
  refreshWithinMs: number,
): boolean {
  if (row.portalUserId === null || row.identityCheckedAt === null) return true;
  if (now - Date.parse(row.identityCheckedAt) >= IDENTITY_CHECK_EVERY_MS) return true;
  return row.authMode === "oauth" && Date.parse(row.accessTokenExpiresAt ?? "") - now <= refreshWithinMs;
}

/**
 * Before anything is listed or written, when due: who do the stored credentials act as
 * now? A role changed to agent or admin in the portal (or another user behind the token)
 * stops the run. One /users/me call; the identity is stored for the ticket syncs.
 */
export async function runIdentityCheck(
  env: Env,
  db: Db,
  tenantId: string,
  opts: { refreshWithinMs: number; force?: boolean },
  now = () => Date.now(),
): Promise<{ problem: string | null; calls: number }> {
  const row = await findPortalConnection(db, tenantId);
  if (!row || (!opts.force && !identityCheckDue(row, now(), opts.refreshWithinMs))) return { problem: null, calls: 0 };
  const portal = await portalClientFor(env, row, undefined, opts);
  const me = await portal.me();
  const problem = identityProblem(me, row.portalUserId);
  if (!problem) {
    if (row.portalUserId !== me.id || row.portalOrganizationId !== me.organizationId) {
      await rememberPortalIdentity(db, tenantId, { userId: me.id, organizationId: me.organizationId });
    }
    await db
      .update(portalConnections)
      .set({ identityCheckedAt: new Date(now()).toISOString() })
      .where(eq(portalConnections.tenantId, tenantId));
  }
  return { problem, calls: portal.calls };
}

/**
 * A run the vendor feed covers asks the portal nothing, but still rotates an OAuth token
 * about to expire, so the ticket syncs running beside each other never race to rotate the
 * pair (a second refresh with the old token would fail). Returns the calls made (0 or 1).
 */
export async function refreshPortalTokenIfDue(env: Env, db: Db, tenantId: string, opts: { refreshWithinMs: number }, now = () => Date.now()): Promise<number> {
  const row = await findPortalConnection(db, tenantId);
  if (row?.authMode !== "oauth" || Date.parse(row.accessTokenExpiresAt ?? "") - now() > opts.refreshWithinMs) return 0;
  const portal = await portalClientFor(env, row, undefined, opts);
  await portal.refreshIfDue();
  return portal.calls;
}

/**
 * Whether a request the tenant has never linked may be resynced: it must be visible to the
 * connected user and theirs (or their organisation's, when the tenant syncs those). One or
 * two portal calls, only for an id with no link; null when it may, else the reason.
 */
export async function unlinkedRequestRefusal(env: Env, db: Db, tenantId: string, portalTicketId: number): Promise<string | null> {
  const config = await loadConfiguration(db, tenantId);
  if (!config.portal) return "The Support Portal is not connected.";
  const portal = await portalClientFor(env, config.portal);
  const request = await portal.getRequest(portalTicketId);
  if (!request) return `Portal request ${portalTicketId} does not exist or is not visible to the connected portal user: nothing was flagged.`;
  let userId = config.portal.portalUserId;
  let organizationId = config.portal.portalOrganizationId;
  if (userId === null) {
    const me = await portal.me();
    const problem = notEndUserProblem(me);
    if (problem) return problem;
    userId = me.id;
    organizationId = me.organizationId;
  }
  const refusal = ownershipRefusal(request, { userId, organizationId, syncOrganisation: config.settings?.syncOrganisation ?? false });
  return refusal ? `Portal request ${portalTicketId} is not this tenant's: ${refusal.message}` : null;
}
