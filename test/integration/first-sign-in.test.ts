import { SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, sessions, signInLinks, tenants, users } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { LINK_UNUSABLE, SIGN_IN_LINK_TTL_MS } from "../../src/admin/accounts/sign-in-links";
import { createTenant, db } from "../factories/tenants";
import { createUser, ORIGIN, signIn } from "../setup/admin-client";
import { linkPathIn, postLogin, useLink } from "../setup/sign-in";

const PASSWORD = "my own first passphrase";

/** A tenant admin adds a user and gets the one-time link shown once. */
async function addedUser() {
  const tenant = await createTenant();
  const admin = await createUser("tenant_admin", tenant.id);
  const client = await signIn(admin.email, admin.password);
  const email = `link-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const res = await client.fetch(`/t/${tenant.id}/users`, { form: { email, name: "Link User", role: "tenant_viewer" } });
  const html = await res.text();
  const path = linkPathIn(html);
  const user = (await db().select().from(users).where(eq(users.email, email)))[0]!;
  return { tenant, client, email, path, user, html };
}
const linkRow = async (path: string) =>
  (
    await db()
      .select()
      .from(signInLinks)
      .where(eq(signInLinks.tokenHash, await sha256Hex(path.split("/").pop()!)))
  )[0];

describe("one-time first-sign-in links", () => {
  it("stores only the hash, expires in 72 hours, and is not a password", async () => {
    const { path, user, email, html } = await addedUser();
    const token = path.split("/").pop()!;
    const row = await linkRow(path);
    expect(row).toMatchObject({ userId: user.id, usedAt: null });
    expect(JSON.stringify(await db().select().from(signInLinks))).not.toContain(token);
    const ttl = Date.parse(row!.expiresAt) - Date.parse(row!.createdAt);
    expect(Math.abs(ttl - SIGN_IN_LINK_TTL_MS)).toBeLessThan(60_000);
    expect(html).toContain("72 hours");
    // The token is not a password, nor is any other guess.
    expect((await postLogin(email, token, "203.0.113.90")).status).toBe(401);
  });

  it("sets the password, signs the user in, and then never works again (opening it changes nothing)", async () => {
    const { path, user, tenant, email } = await addedUser();
    const page = await SELF.fetch(`${ORIGIN}${path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toContain("no-store");
    expect(await page.text()).toContain(email);
    expect((await linkRow(path))!.usedAt).toBeNull();

    const res = await useLink(path, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect((await SELF.fetch(`${ORIGIN}/t/${tenant.id}`, { headers: { cookie }, redirect: "manual" })).status).toBe(200);
    expect((await db().select().from(users).where(eq(users.id, user.id)))[0]).toMatchObject({ mustChangePassword: false });
    expect(
      await db()
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.userId, user.id), eq(auditLog.action, "account.first_sign_in"))),
    ).toHaveLength(1);

    // Used: the form and a second use are refused with the one answer, and the password stays.
    const again = await useLink(path, "an attacker's passphrase");
    expect(again.status).toBe(404);
    expect(await again.text()).toContain(LINK_UNUSABLE);
    expect((await SELF.fetch(`${ORIGIN}${path}`)).status).toBe(404);
    await expect(signIn(email, PASSWORD)).resolves.toBeTruthy();
    await expect(signIn(email, "an attacker's passphrase")).rejects.toThrow();
  });

  it("is used once even by parallel requests", async () => {
    const { path, user } = await addedUser();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => useLink(path, `parallel passphrase ${i}`)));
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.status === 404)).toHaveLength(7);
    expect(await db().select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(1);
  });

  it("refuses an expired, unknown or replaced link, or one of a disabled user or tenant, with one answer and no change", async () => {
    const expired = await addedUser();
    await db()
      .update(signInLinks)
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where(eq(signInLinks.userId, expired.user.id));
    const replaced = await addedUser();
    const reset = await replaced.client.fetch(`/t/${replaced.tenant.id}/users/${replaced.user.id}/reset-password`, { form: {} });
    const newer = linkPathIn(await reset.text());
    const disabledUser = await addedUser();
    await db().update(users).set({ disabled: true }).where(eq(users.id, disabledUser.user.id));
    const disabledTenant = await addedUser();
    await db().update(tenants).set({ status: "disabled" }).where(eq(tenants.id, disabledTenant.tenant.id));

    const bodies = new Set<string>();
    for (const { path, user } of [expired, replaced, disabledUser, disabledTenant, { path: `/first-sign-in/${"0".repeat(64)}`, user: null }]) {
      for (const res of [await SELF.fetch(`${ORIGIN}${path}`), await useLink(path, PASSWORD)]) {
        expect(res.status).toBe(404);
        expect(res.headers.get("set-cookie")).toBeNull();
        bodies.add(await res.text());
      }
      if (user) expect((await db().select().from(users).where(eq(users.id, user.id)))[0]!.mustChangePassword).toBe(true);
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toContain(LINK_UNUSABLE);
    // The replacement link works.
    expect((await useLink(newer, PASSWORD)).status).toBe(303);
  });

  it("keeps the link usable after a form error, and refuses the email as the password", async () => {
    const { path, email } = await addedUser();
    const short = await useLink(path, "short");
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('id="password-error"');
    const mismatch = await useLink(path, PASSWORD, "something else entirely");
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain('id="confirm-error"');
    const own = await useLink(path, email.toUpperCase());
    expect(own.status).toBe(400);
    expect(await own.text()).toContain("Do not use your email address");
    expect((await linkRow(path))!.usedAt).toBeNull();
    expect((await useLink(path, PASSWORD)).status).toBe(303);
  });
});
