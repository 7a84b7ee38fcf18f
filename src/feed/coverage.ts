import type { Db } from "../db/client";
import { feedStateForTenant } from "../db/queries/vendor-feed";
import { feedHealth } from "./health";

/**
 * Whether the vendor feed reports this tenant's portal changes now: the feed is healthy and
 * the tenant's portal user is known (events are routed by it). Then the tenant's run skips
 * its own portal listing and identity check; otherwise it lists as before.
 */
export async function feedCoversTenant(db: Db, tenantId: string, now: number): Promise<boolean> {
  const { feed, portalUserId } = await feedStateForTenant(db, tenantId);
  return portalUserId !== null && feedHealth(feed, now).healthy;
}
