import { and, eq, inArray, sql } from "drizzle-orm";
import { inChunks, type Db } from "../../../db/client";
import { failures } from "../../../db/schema";
import { pastKey, seekOrder, type Seek } from "../../../db/queries/keyset";

export type FailureRow = typeof failures.$inferSelect;
export type ReplayState = FailureRow["replayState"];

/** A tenant's failures, newest first, keyset-paged by id (failures_tenant_idx). */
export function listFailures(db: Db, tenantId: string, state: ReplayState | undefined, seek: Seek | null, limit: number) {
  return db
    .select()
    .from(failures)
    .where(and(eq(failures.tenantId, tenantId), state ? eq(failures.replayState, state) : undefined, pastKey(seek, [failures.id])))
    .orderBy(...seekOrder(seek, [failures.id]))
    .limit(limit);
}

export function getFailure(db: Db, tenantId: string, id: number) {
  return db.query.failures.findFirst({ where: and(eq(failures.id, id), eq(failures.tenantId, tenantId)) });
}

export async function countOpenFailures(db: Db, tenantId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(failures)
    .where(and(eq(failures.tenantId, tenantId), eq(failures.replayState, "new")));
  return Number(row?.n ?? 0);
}

/**
 * Claims failures for replay: new → replayed, atomically, returning only the rows this
 * call moved. Two concurrent "Replay all" clicks therefore never send a message twice.
 */
export function claimForReplay(db: Db, tenantId: string, ids: number[], at: string): Promise<FailureRow[]> {
  return inChunks(ids, (chunk) =>
    db
      .update(failures)
      .set({ replayState: "replayed", replayedAt: at })
      .where(and(eq(failures.tenantId, tenantId), eq(failures.replayState, "new"), inArray(failures.id, chunk)))
      .returning(),
  );
}

/** Undoes a claim when the send failed, so the failure stays replayable. */
export async function releaseClaim(db: Db, tenantId: string, ids: number[]): Promise<void> {
  await inChunks(ids, async (chunk) => {
    await db
      .update(failures)
      .set({ replayState: "new", replayedAt: null })
      .where(and(eq(failures.tenantId, tenantId), inArray(failures.id, chunk)));
  });
}
