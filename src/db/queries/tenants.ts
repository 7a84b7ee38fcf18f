import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../client";
import { connectwiseConnections, portalConnections, tenants } from "../schema";

/**
 * Tenants a scheduled run is for: active, unpaused, with both systems connected (a
 * tenant still onboarding has nothing to sync). Keyset paging by id.
 */
export function listDispatchableTenants(db: Db, afterId: string, limit: number) {
  return db
    .select({ id: tenants.id, name: tenants.name })
    .from(tenants)
    .innerJoin(portalConnections, eq(portalConnections.tenantId, tenants.id))
    .innerJoin(connectwiseConnections, eq(connectwiseConnections.tenantId, tenants.id))
    .where(and(eq(tenants.status, "active"), eq(tenants.paused, false), gt(tenants.id, afterId)))
    .orderBy(asc(tenants.id))
    .limit(limit);
}
