import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, sessions, users } from "../../src/db/schema";
import { sha256Hex, verifyPassword } from "../../src/lib/crypto";
import { createTenant, db } from "../factories/tenants";
import { createUser, ORIGIN, signIn, type AdminClient } from "../setup/admin-client";

const NEW_PASSWORD = "a much longer new password";
const userRow = async (id: string) => (await db().select().from(users).where(eq(users.id, id)))[0]!;
const sessionHash = async (client: AdminClient) => sha256Hex(client.cookie.slice(client.cookie.indexOf("=") + 1));
const newCookie = (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

describe("changing one's password", () => {
  it("forces a user with a temporary password to change it before anything else, then rotates the session", async () => {
    const tenant = await createTenant();
    const user = await createUser("tenant_admin", tenant.id, { mustChangePassword: true, password: "temporary-pass-123" });
    const client = await signIn(user.email, "temporary-pass-123");

    // Every page but the change form sends them to it.
    for (const path of ["/", `/t/${tenant.id}`, `/t/${tenant.id}/tasks`]) {
      const res = await client.fetch(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/account/password");
    }
    const form = await client.fetch("/account/password");
    expect(form.status).toBe(200);
    expect(await form.text()).toContain("temporary password");

    const res = await client.fetch("/account/password", { form: { current: "temporary-pass-123", password: NEW_PASSWORD, confirm: NEW_PASSWORD } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = newCookie(res);
    expect(cookie).toMatch(/^__Host-psa-session=/);
    expect(cookie).not.toBe(client.cookie);

    const row = await userRow(user.id);
    expect(row.mustChangePassword).toBe(false);
    expect(await verifyPassword(NEW_PASSWORD, row.passwordHash, env.PASSWORD_PEPPER)).toBe(true);
    // The old session is gone server-side; the new one works.
    expect(await db().query.sessions.findFirst({ where: eq(sessions.tokenHash, await sessionHash(client)) })).toBeUndefined();
    expect((await client.fetch(`/t/${tenant.id}`)).headers.get("location")).toBe("/login");
    const fresh = await SELF.fetch(`${ORIGIN}/t/${tenant.id}`, { headers: { cookie }, redirect: "manual" });
    expect(fresh.status).toBe(200);
    expect(
      await db()
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.userId, user.id), eq(auditLog.action, "account.password_changed"))),
    ).toHaveLength(1);

    // And the new password signs in.
    await expect(signIn(user.email, NEW_PASSWORD)).resolves.toBeTruthy();
  });

  it.each([
    [{ current: "wrong password!!", password: NEW_PASSWORD, confirm: NEW_PASSWORD }, "current", "not right"],
    [{ current: "correct horse battery staple", password: "short", confirm: "short" }, "password", "at least 12"],
    [{ current: "correct horse battery staple", password: NEW_PASSWORD, confirm: "something else entirely" }, "confirm", "do not match"],
    [
      { current: "correct horse battery staple", password: "correct horse battery staple", confirm: "correct horse battery staple" },
      "password",
      "different from the current",
    ],
  ])("refuses %o with a field-level error and changes nothing", async (form, field, message) => {
    const tenant = await createTenant();
    const user = await createUser("tenant_viewer", tenant.id);
    const client = await signIn(user.email, user.password);
    const before = await userRow(user.id);
    const res = await client.fetch("/account/password", { form });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(`id="${field}-error"`);
    expect(html).toContain(message);
    expect((await userRow(user.id)).passwordHash).toBe(before.passwordHash);
  });

  it("refuses the email address as the password", async () => {
    const user = await createUser("operator", null);
    const client = await signIn(user.email, user.password);
    const padded = user.email.toUpperCase();
    const res = await client.fetch("/account/password", { form: { current: user.password, password: padded, confirm: padded } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Do not use your email address");
  });

  it("needs the CSRF token", async () => {
    const user = await createUser("operator", null);
    const client = await signIn(user.email, user.password);
    const res = await client.fetch("/account/password", { form: { current: user.password, password: NEW_PASSWORD, confirm: NEW_PASSWORD }, csrf: false });
    expect(res.status).toBe(403);
    expect(await verifyPassword(user.password, (await userRow(user.id)).passwordHash, env.PASSWORD_PEPPER)).toBe(true);
  });
});
