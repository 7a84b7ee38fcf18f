import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { tenants } from "../../src/db/schema";
import { createTenant, db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";

describe("tenant pages are scoped to the signed-in user's tenant", () => {
  it("lets a tenant user into its own tenant and hides every other one", async () => {
    const mine = await createTenant();
    const other = await createTenant();
    const user = await createUser("tenant_viewer", mine.id);
    const client = await signIn(user.email, user.password);
    expect(client.csrf).toMatch(/^[0-9a-f]{32}$/);
    expect((await client.fetch(`/t/${mine.id}`)).status).toBe(200);
    expect((await client.fetch(`/t/${other.id}`)).status).toBe(404);
  });

  it("lets an operator look at any tenant, read-only", async () => {
    const tenant = await createTenant();
    const operator = await createUser("operator", null);
    const client = await signIn(operator.email, operator.password);
    const page = await client.fetch(`/t/${tenant.id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("read-only");
  });

  it("sends a signed-out visitor to the sign-in page", async () => {
    const tenant = await createTenant();
    const res = await SELF.fetch(`http://localhost/t/${tenant.id}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
  });

  it("closes a disabled tenant's pages to its users, with a clear message at sign-in", async () => {
    const tenant = await createTenant();
    const user = await createUser("tenant_admin", tenant.id);
    const client = await signIn(user.email, user.password);
    await db().update(tenants).set({ status: "disabled" }).where(eq(tenants.id, tenant.id));
    const page = await client.fetch(`/t/${tenant.id}`);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    const again = await SELF.fetch("http://localhost/login", {
      method: "POST",
      body: new URLSearchParams({ email: user.email, password: user.password }),
      headers: { origin: "http://localhost", "content-type": "application/x-www-form-urlencoded" },
    });
    expect(again.status).toBe(403);
    expect(await again.text()).toContain("access to psa-sync is disabled");
  });
});
