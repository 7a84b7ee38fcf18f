import { nowIso, type Db } from "../../db/client";
import type { Actor } from "../../domain/actor";
import { auditStatement } from "../../db/queries/audit";
import { findTenantById, findTenantBySlug, insertTenantStatements, setTenantStatusStatement } from "../../db/queries/tenants-admin";
import { findUserByEmail } from "../../db/queries/users";
import { eq } from "drizzle-orm";
import { tenants, users } from "../../db/schema";
import { normaliseApprovedHost } from "../../egress/policy";
import { NO_PASSWORD, randomToken } from "../../lib/crypto";
import type { TenantForm } from "../../schemas/accounts";
import { AppError, FieldErrors } from "../../lib/errors";
import { newSignInLink } from "../accounts/sign-in-links";

/** Operator tasks on tenants: register one (with its first admin), disable, enable, approve an on-premises ConnectWise host. */

export interface CreatedTenant {
  tenantId: string;
  name: string;
  adminEmail: string;
  /** The first admin's one-time sign-in link token: shown once to the operator, who hands it over. */
  signInToken: string;
}

/** Creates the tenant, its settings row and its first admin in one batch: all or nothing. A taken slug or email is a conflict. */
export async function registerTenant(db: Db, operator: Actor, form: TenantForm): Promise<CreatedTenant> {
  const errors: Record<string, string> = {};
  if (await findTenantBySlug(db, form.slug)) errors.slug = "Another tenant already uses this slug.";
  if (await findUserByEmail(db, form.adminEmail)) errors.adminEmail = "That email address already has an account.";
  if (Object.keys(errors).length > 0) throw FieldErrors.of(errors, "conflict");

  const tenantId = `tnt_${randomToken(8)}`;
  const adminId = `usr_${crypto.randomUUID()}`;
  const link = await newSignInLink(db, adminId);
  await db.batch([
    ...insertTenantStatements(db, { id: tenantId, name: form.name, slug: form.slug, hookId: randomToken() }),
    db.insert(users).values({
      id: adminId,
      email: form.adminEmail,
      name: form.adminName,
      role: "tenant_admin",
      tenantId,
      // No password until they choose one with the link.
      passwordHash: NO_PASSWORD,
      mustChangePassword: true,
    }),
    ...link.statements,
    auditStatement(db, { tenantId, userId: operator.userId, action: "tenant.created", target: form.slug, detail: `First admin ${form.adminEmail}` }),
  ]);
  return { tenantId, name: form.name, adminEmail: form.adminEmail, signInToken: link.token };
}

/**
 * Approves (or, with an empty value, withdraws) the one on-premises ConnectWise host a
 * tenant may connect to; cloud hosts need no approval (egress/policy.ts). A tenant admin
 * cannot do this: it decides where the tenant's stored key may be sent.
 */
export async function approveConnectWiseHost(db: Db, operator: Actor, tenantId: string, value: string): Promise<string> {
  if (!(await findTenantById(db, tenantId))) throw new AppError("not_found", "Page not found");
  const host = value.trim() === "" ? null : normaliseApprovedHost(value);
  if (value.trim() !== "" && host === null)
    throw new AppError("invalid_payload", "Enter a host name (e.g. cw.example-msp.com or cw.example-msp.com:8443), not an IP address or a local name.");
  const [rows] = await db.batch([
    db.update(tenants).set({ cwApprovedHost: host, updatedAt: nowIso() }).where(eq(tenants.id, tenantId)).returning({ name: tenants.name }),
    auditStatement(db, { tenantId, userId: operator.userId, action: host ? "connectwise.host_approved" : "connectwise.host_withdrawn", detail: host ?? "" }),
  ]);
  return rows[0]?.name ?? "";
}

/** Disabling stops its runs and API tokens (the bearer check needs an active tenant). */
export async function setTenantStatus(db: Db, operator: Actor, tenantId: string, status: "active" | "disabled"): Promise<string> {
  if (!(await findTenantById(db, tenantId))) throw new AppError("not_found", "Page not found");
  const [rows] = await db.batch([
    setTenantStatusStatement(db, tenantId, status, nowIso()),
    auditStatement(db, { tenantId, userId: operator.userId, action: status === "active" ? "tenant.enabled" : "tenant.disabled" }),
  ]);
  return rows[0]?.name ?? "";
}
