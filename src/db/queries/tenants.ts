import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../client";
import { tenants } from "../schema";

/** Active, unpaused tenants after `afterId`, in id order (keyset paging). */
export function listDispatchableTenants(db: Db, afterId: string, limit: number) {
  return db
    .select({ id: tenants.id, name: tenants.name })
    .from(tenants)
    .where(and(eq(tenants.status, "active"), eq(tenants.paused, false), gt(tenants.id, afterId)))
    .orderBy(asc(tenants.id))
    .limit(limit);
}
