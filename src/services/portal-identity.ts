import { portalClientFor } from "../connectors/for-tenant";
import type { Db } from "../db/client";
import { findPortalConnection } from "../db/queries/configuration";
import { rememberPortalIdentity } from "../db/queries/sync-state";
import { identityProblem } from "../sync/ownership";

/**
 * Once per run, before anything is listed or written: who do the stored credentials act as
 * now? A role changed to agent or admin in the portal (or another user behind the token)
 * stops the run. One /users/me call; the identity is stored for the ticket syncs.
 */
export async function runIdentityCheck(env: Env, db: Db, tenantId: string, opts: { refreshWithinMs: number }): Promise<{ problem: string | null; calls: number }> {
  const row = await findPortalConnection(db, tenantId);
  if (!row) return { problem: null, calls: 0 };
  const portal = await portalClientFor(env, row, undefined, opts);
  const me = await portal.me();
  const problem = identityProblem(me, row.portalUserId);
  if (!problem && (row.portalUserId !== me.id || row.portalOrganizationId !== me.organizationId)) {
    await rememberPortalIdentity(db, tenantId, { userId: me.id, organizationId: me.organizationId });
  }
  return { problem, calls: portal.calls };
}
