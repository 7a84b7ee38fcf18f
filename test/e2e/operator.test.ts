import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("operator in a real browser", () => {
  it("opens a tenant read-only, then disables and enables it", async () => {
    const page = await stack.browser.newPage();
    await page.goto(`${stack.adminUrl}/login`);
    await page.fill("#email", "operator@demo.test");
    await page.fill("#password", "operator-demo-pass");
    await Promise.all([page.waitForURL(`${stack.adminUrl}/operator/tenants`), page.click("main button[type=submit]")]);

    const row = page.locator("tr[data-tenant=acme-msp]");
    await Promise.all([page.waitForURL(`${stack.adminUrl}/t/tnt_acme_demo`), row.locator("text=Open").click()]);
    await page.goto(`${stack.adminUrl}/t/tnt_acme_demo/tasks`);
    expect(await page.textContent("nav.tenant-nav")).toContain("read-only");
    expect(await page.locator("button:has-text('Sync now')").count()).toBe(0);

    await page.goto(`${stack.adminUrl}/operator/tenants`);
    await Promise.all([page.waitForURL(/done=disabled/), row.locator("button:has-text('Disable')").click()]);
    expect(await row.textContent()).toContain("disabled");
    mkdirSync("test-results/screenshots", { recursive: true });
    await page.screenshot({ path: "test-results/screenshots/operator-tenant-disabled.png", fullPage: true });
    await Promise.all([page.waitForURL(/done=enabled/), row.locator("button:has-text('Enable')").click()]);
    expect(await row.textContent()).toContain("active");
    await page.close();
  });
});
