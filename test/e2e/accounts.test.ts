import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shot, signInPage, startStack, type Stack } from "./stack";

/**
 * The onboarding path of a new tenant in a real browser: an operator registers it, its
 * first admin opens the one-time sign-in link, chooses a password, is told what setup still needs before a sync,
 * creates an API token and uses it.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandbox: true });
});
afterAll(async () => {
  await stack?.stop();
});

const signIn = (page: Page, email: string, password: string) => signInPage(stack, page, email, password);

describe("a new tenant from registration to its first API call", () => {
  it("operator registers, admin chooses a password with the one-time link, is told setup comes before syncing, uses an API token", async () => {
    const operator = await stack.browser.newPage();
    await signIn(operator, "operator@demo.test", "operator-demo-pass");
    expect(operator.url()).toBe(`${stack.adminUrl}/operator/tenants`);
    await operator.fill("#tenant-name", "Contoso IT");
    await operator.fill("#tenant-slug", "contoso-it");
    await operator.fill("#admin-email", "admin@contoso.test");
    await operator.fill("#admin-name", "Connie Admin");
    await Promise.all([operator.waitForNavigation(), operator.click("text=Register tenant")]);
    const link = (await operator.textContent("code.secret"))?.trim() ?? "";
    expect(link).toMatch(/^http:\/\/[^/]+\/first-sign-in\/[0-9a-f]{64}$/);
    expect(await operator.textContent("table")).toContain("Contoso IT");
    await shot(operator, "operator-tenant-created");
    await operator.close();

    const admin = await stack.browser.newPage();
    await admin.goto(link);
    await shot(admin, "admin-first-sign-in");
    await admin.fill("#password", "short");
    await admin.fill("#confirm", "short");
    await Promise.all([admin.waitForNavigation(), admin.click("main button[type=submit]")]);
    expect(await admin.textContent("#password-error")).toContain("at least 12");
    await admin.fill("#password", "contoso admin passphrase");
    await admin.fill("#confirm", "contoso admin passphrase");
    await Promise.all([admin.waitForURL(/\/t\/tnt_[0-9a-f]+$/), admin.click("main button[type=submit]")]);
    // Used once: opening it again does not work.
    const again = await fetch(link);
    expect(again.status).toBe(404);
    const tenantUrl = admin.url();

    await admin.click("nav.tenant-nav >> text=Admin tasks");
    await admin.waitForURL(`${tenantUrl}/tasks`);
    // Nothing is connected yet: Sync now is refused with what setup still needs.
    await Promise.all([
      admin.waitForResponse((r) => r.url().endsWith("/tasks/sync") && r.request().method() === "POST"),
      admin.click("button:has-text('Sync now')"),
    ]);
    expect(await admin.textContent("[role=alert]")).toContain("Setup incomplete: connect the Support Portal");
    await shot(admin, "admin-tasks-sync-now");

    await admin.click("nav.tenant-nav >> text=API tokens");
    await admin.fill("#token-name", "monitoring script");
    await admin.selectOption("#token-scope", "read");
    await Promise.all([admin.waitForNavigation(), admin.click("button:has-text('Create token')")]);
    const token = (await admin.textContent("code.secret"))?.trim() ?? "";
    expect(token).toMatch(/^psa_[A-Za-z0-9_-]{43}$/);
    await shot(admin, "admin-token-created");
    // Shown once: a reload of the list does not show it.
    await admin.goto(`${tenantUrl}/tokens`);
    expect(await admin.content()).not.toContain(token);
    expect(await admin.textContent("table")).toContain("monitoring script");

    const status = await fetch(`${stack.adminUrl}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    const body = (await status.json()) as { paused: boolean; setupIncomplete: string | null; lastRun: { trigger: string } | null };
    expect(body.paused).toBe(false);
    expect(body.setupIncomplete).toMatch(/^Setup incomplete: connect the Support Portal; connect ConnectWise;/);
    expect(body.lastRun).toBeNull();
    await admin.close();
  });
});
