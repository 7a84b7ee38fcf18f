import { eq } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { connectwiseConnections, portalConnections, tenants } from "../../../db/schema";

/** What the dashboard's health card needs about a tenant and its two connections, in one round trip. */
export async function loadHealth(db: Db, tenantId: string) {
  const [tenant, portal, cw] = await db.batch([
    db
      .select({
        status: tenants.status,
        paused: tenants.paused,
        attentionReason: tenants.attentionReason,
        attentionSince: tenants.attentionSince,
        probeAfter: tenants.probeAfter,
      })
      .from(tenants)
      .where(eq(tenants.id, tenantId)),
    db
      .select({ status: portalConnections.status, statusReason: portalConnections.statusReason })
      .from(portalConnections)
      .where(eq(portalConnections.tenantId, tenantId)),
    db
      .select({
        site: connectwiseConnections.site,
        codebase: connectwiseConnections.codebase,
        companyId: connectwiseConnections.companyId,
        status: connectwiseConnections.status,
        statusReason: connectwiseConnections.statusReason,
      })
      .from(connectwiseConnections)
      .where(eq(connectwiseConnections.tenantId, tenantId)),
  ]);
  return { tenant: tenant[0], portal: portal[0], connectwise: cw[0] };
}
