import { and, asc, eq, gt, isNull, lte, or } from "drizzle-orm";
import type { Db } from "../client";
import { connectwiseConnections, portalConnections, tenants } from "../schema";

/**
 * Tenants a scheduled run is for: active, unpaused, with both systems connected (a
 * tenant still onboarding has nothing to sync). Keyset paging by id.
 */
export function listDispatchableTenants(db: Db, afterId: string, limit: number, now: string) {
  return db
    .select({ id: tenants.id, name: tenants.name })
    .from(tenants)
    .innerJoin(portalConnections, eq(portalConnections.tenantId, tenants.id))
    .innerJoin(connectwiseConnections, eq(connectwiseConnections.tenantId, tenants.id))
    .where(
      and(
        eq(tenants.status, "active"),
        eq(tenants.paused, false),
        gt(tenants.id, afterId),
        // Rejected credentials: leave the tenant alone until its next probe.
        or(isNull(tenants.probeAfter), lte(tenants.probeAfter, now)),
      ),
    )
    .orderBy(asc(tenants.id))
    .limit(limit);
}
