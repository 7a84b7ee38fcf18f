import { nowIso, type Db } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import type { Actor } from "../../domain/actor";
import { findLiveToken, insertTokenStatement, revokeTokenStatement } from "../../db/queries/tokens";
import { sha256Hex, toBase64 } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import type { TokenForm } from "../../schemas/accounts";

/** `psa_` + 32 random bytes in base64url: what the bearer middleware accepts. */
function newApiToken(): string {
  const b64 = toBase64(crypto.getRandomValues(new Uint8Array(32)));
  return `psa_${b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

const expiresAt = (days: number | null) => (days === null ? null : new Date(Date.now() + days * 86_400_000).toISOString());

/** Creates a token; the plain value is returned once and only its SHA-256 is stored. */
export async function createApiToken(db: Db, tenantId: string, actor: Actor, form: TokenForm): Promise<{ id: string; token: string }> {
  const token = newApiToken();
  const id = `tok_${crypto.randomUUID()}`;
  await db.batch([
    insertTokenStatement(db, {
      id,
      tenantId,
      name: form.name,
      scope: form.scope,
      tokenHash: await sha256Hex(token),
      createdBy: actor.userId,
      expiresAt: expiresAt(form.expiresInDays),
    }),
    auditStatement(db, {
      tenantId,
      userId: actor.userId,
      action: "token.created",
      target: form.name,
      detail: `Scope ${form.scope}; ${form.expiresInDays ? `expires in ${form.expiresInDays} days` : "no expiry"}`,
    }),
  ]);
  return { id, token };
}

/** Revokes a live token of this tenant (anything else is not found: revoking twice audits once). */
export async function revokeApiToken(db: Db, tenantId: string, actor: Actor, tokenId: string): Promise<void> {
  const live = await findLiveToken(db, tenantId, tokenId);
  if (!live) throw new AppError("not_found", "That token does not exist or is already revoked.");
  await db.batch([
    revokeTokenStatement(db, tenantId, tokenId, nowIso()),
    auditStatement(db, { tenantId, userId: actor.userId, action: "token.revoked", target: live.name }),
  ]);
}
