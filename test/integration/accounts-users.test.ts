import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, sessions, users } from "../../src/db/schema";
import { NO_PASSWORD } from "../../src/lib/crypto";
import { EMAIL_UNAVAILABLE } from "../../src/admin/accounts/users";
import { changeRole, setUserDisabled } from "../../src/admin/accounts/users";
import { createTenant, db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { linkPathIn, useLink } from "../setup/sign-in";

const userByEmail = async (email: string) => (await db().select().from(users).where(eq(users.email, email)))[0]!;
const userById = async (id: string) => (await db().select().from(users).where(eq(users.id, id)))[0]!;

async function adminOf(tenantId: string) {
  const admin = await createUser("tenant_admin", tenantId);
  return { admin, client: await signIn(admin.email, admin.password) };
}

describe("users page", () => {
  it("adds a user with a one-time sign-in link shown once, and no usable password until they use it", async () => {
    const tenant = await createTenant();
    const { client } = await adminOf(tenant.id);
    const res = await client.fetch(`/t/${tenant.id}/users`, { form: { email: "New.Person@Example.test", name: "New Person", role: "tenant_viewer" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const path = linkPathIn(html);
    expect(path).toMatch(/^\/first-sign-in\/[0-9a-f]{64}$/);
    const row = await userByEmail("new.person@example.test");
    expect(row).toMatchObject({ tenantId: tenant.id, role: "tenant_viewer", mustChangePassword: true, passwordHash: NO_PASSWORD });
    // Not shown again.
    expect(await (await client.fetch(`/t/${tenant.id}/users`)).text()).not.toContain(path);

    expect((await useLink(path, "new person passphrase")).status).toBe(303);
    const newcomer = await signIn("new.person@example.test", "new person passphrase");
    expect((await newcomer.fetch(`/t/${tenant.id}`)).status).toBe(200);
  });

  it("refuses a duplicate email or a bad role with field errors", async () => {
    const tenant = await createTenant();
    const { admin, client } = await adminOf(tenant.id);
    const dup = await client.fetch(`/t/${tenant.id}/users`, { form: { email: admin.email, name: "Again", role: "tenant_viewer" } });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain(EMAIL_UNAVAILABLE);
    const bad = await client.fetch(`/t/${tenant.id}/users`, { form: { email: "not-an-email", name: "", role: "operator" } });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    for (const id of ["user-email", "user-name", "user-role"]) expect(html).toContain(`id="${id}-error"`);
    // A row's role button has no field of its own: its refusal is the page's message, not the add form's.
    const other = await createUser("tenant_viewer", tenant.id);
    const badRole = await client.fetch(`/t/${tenant.id}/users/${other.id}/role`, { form: { role: "operator" } });
    expect(badRole.status).toBe(400);
    const roleHtml = await badRole.text();
    expect(roleHtml).toMatch(/role="alert">\s*Choose admin or viewer\./);
    expect(roleHtml).not.toContain('id="user-role-error"');
    expect((await db().select().from(users).where(eq(users.tenantId, tenant.id))).map((u) => u.email).sort()).toEqual([admin.email, other.email].sort());
    expect((await userById(other.id)).role).toBe("tenant_viewer");
  });

  it("changes roles, disables (signing out) and enables, resets passwords — all audited", async () => {
    const tenant = await createTenant();
    const { client } = await adminOf(tenant.id);
    const other = await createUser("tenant_viewer", tenant.id);
    const otherClient = await signIn(other.email, other.password);

    expect((await client.fetch(`/t/${tenant.id}/users/${other.id}/role`, { form: { role: "tenant_admin" } })).status).toBe(303);
    expect((await userById(other.id)).role).toBe("tenant_admin");

    expect((await client.fetch(`/t/${tenant.id}/users/${other.id}/disable`, { form: {} })).headers.get("location")).toBe(`/t/${tenant.id}/users?done=disabled`);
    expect((await userById(other.id)).disabled).toBe(true);
    expect(await db().select().from(sessions).where(eq(sessions.userId, other.id))).toHaveLength(0);
    expect((await otherClient.fetch(`/t/${tenant.id}`)).headers.get("location")).toBe("/login");
    await expect(signIn(other.email, other.password)).rejects.toThrow();

    expect((await client.fetch(`/t/${tenant.id}/users/${other.id}/enable`, { form: {} })).status).toBe(303);
    const reset = await client.fetch(`/t/${tenant.id}/users/${other.id}/reset-password`, { form: {} });
    const path = linkPathIn(await reset.text());
    const row = await userById(other.id);
    expect(row).toMatchObject({ mustChangePassword: true, passwordHash: NO_PASSWORD });
    // The old password stops working at once; the link sets a new one.
    await expect(signIn(other.email, other.password)).rejects.toThrow();
    expect((await useLink(path, "a brand new passphrase")).status).toBe(303);
    await expect(signIn(other.email, "a brand new passphrase")).resolves.toBeTruthy();
    expect((await db().select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action)).toEqual([
      "user.role_changed",
      "user.disabled",
      "user.enabled",
      "user.password_reset",
      "account.first_sign_in",
    ]);
  });

  it("never removes or demotes the last admin, nor lets admins change themselves", async () => {
    const tenant = await createTenant();
    const { admin, client } = await adminOf(tenant.id);
    for (const action of ["role", "disable", "reset-password"]) {
      const res = await client.fetch(`/t/${tenant.id}/users/${admin.id}/${action}`, { form: { role: "tenant_viewer" } });
      expect(res.status).toBe(409);
      expect(await res.text()).toContain("You cannot change your own");
    }
    // The guard itself (the UI cannot reach it, since an acting admin is always one more):
    // with one enabled admin left, demoting or disabling it is refused and changes nothing.
    const operator = { userId: (await createUser("operator", null)).id, via: "admin" };
    const lastAdmin = { status: 409, message: expect.stringContaining("last admin") };
    await expect(changeRole(db(), tenant.id, operator, admin.id, "tenant_viewer")).rejects.toMatchObject(lastAdmin);
    await expect(setUserDisabled(db(), tenant.id, operator, admin.id, true)).rejects.toMatchObject(lastAdmin);
    expect(await userById(admin.id)).toMatchObject({ role: "tenant_admin", disabled: false });
    // With a second admin, the first can be demoted by it.
    const second = await createUser("tenant_admin", tenant.id);
    const secondClient = await signIn(second.email, second.password);
    expect((await secondClient.fetch(`/t/${tenant.id}/users/${admin.id}/role`, { form: { role: "tenant_viewer" } })).status).toBe(303);
    expect((await userById(admin.id)).role).toBe("tenant_viewer");
  });

  it("hides another tenant's user", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const stranger = await createUser("tenant_viewer", other.id);
    const { client } = await adminOf(tenant.id);
    const res = await client.fetch(`/t/${tenant.id}/users/${stranger.id}/disable`, { form: {} });
    expect(res.status).toBe(404);
    expect((await userById(stranger.id)).disabled).toBe(false);
    expect(await (await client.fetch(`/t/${tenant.id}/users`)).text()).not.toContain(stranger.email);
  });
});
