import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { apiTokens } from "../schema";

/** A tenant's API tokens for the admin page: never the hash. */
export function listTokens(db: Db, tenantId: string) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      scope: apiTokens.scope,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
      expiresAt: apiTokens.expiresAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.tenantId, tenantId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

export function insertTokenStatement(db: Db, row: typeof apiTokens.$inferInsert) {
  return db.insert(apiTokens).values(row);
}

/** Revokes a live token of this tenant; revoking twice (or another tenant's id) matches nothing. */
export function revokeTokenStatement(db: Db, tenantId: string, tokenId: string, at: string) {
  return db
    .update(apiTokens)
    .set({ revokedAt: at })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.tenantId, tenantId), isNull(apiTokens.revokedAt)));
}

/** A disabled user's tokens stop with them (revoked for good: enabling the user does not revive them). */
export function revokeTokensOfCreatorStatement(db: Db, tenantId: string, userId: string, at: string) {
  return db
    .update(apiTokens)
    .set({ revokedAt: at })
    .where(and(eq(apiTokens.createdBy, userId), eq(apiTokens.tenantId, tenantId), isNull(apiTokens.revokedAt)));
}

export function findLiveToken(db: Db, tenantId: string, tokenId: string) {
  return db.query.apiTokens.findFirst({
    where: and(eq(apiTokens.id, tokenId), eq(apiTokens.tenantId, tenantId), isNull(apiTokens.revokedAt)),
    columns: { id: true, name: true },
  });
}
