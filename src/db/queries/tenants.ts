import { and, asc, eq, gt, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { connectwiseConnections, portalConnections, priorityMappings, statusMappings, tenantSettings, tenants } from "../schema";
import { MAPPED_PRIORITIES, MAPPED_STATUSES } from "../../domain/setup";

/**
 * Tenants a scheduled run is for: active, unpaused, with setup complete (both systems
 * connected, a board, a default company and every mapping; `setupMissing` says the same
 * in words). A tenant still onboarding has nothing to sync. Keyset paging by id.
 */
export function listDispatchableTenants(db: Db, afterId: string, limit: number, now: string) {
  return db
    .select({ id: tenants.id, name: tenants.name })
    .from(tenants)
    .innerJoin(portalConnections, eq(portalConnections.tenantId, tenants.id))
    .innerJoin(connectwiseConnections, eq(connectwiseConnections.tenantId, tenants.id))
    .innerJoin(tenantSettings, eq(tenantSettings.tenantId, tenants.id))
    .where(
      and(
        eq(tenants.status, "active"),
        eq(tenants.paused, false),
        gt(tenants.id, afterId),
        isNotNull(tenantSettings.boardId),
        isNotNull(tenantSettings.defaultCompanyId),
        sql`(SELECT COUNT(*) FROM ${priorityMappings} WHERE ${priorityMappings.tenantId} = ${tenants.id}) = ${MAPPED_PRIORITIES.length}`,
        sql`(SELECT COUNT(*) FROM ${statusMappings} WHERE ${statusMappings.tenantId} = ${tenants.id}) = ${MAPPED_STATUSES.length}`,
        // Rejected credentials: leave the tenant alone until its next probe.
        or(isNull(tenants.probeAfter), lte(tenants.probeAfter, now)),
      ),
    )
    .orderBy(asc(tenants.id))
    .limit(limit);
}
