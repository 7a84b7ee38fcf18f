import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack";

/**
 * Connections and Advanced Settings in a real browser against the sandbox: "Generate
 * Token" through the portal's own sign-in page, Test connection, a mapping change.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandbox: true });
  mkdirSync("test-results/screenshots", { recursive: true });
});
afterAll(async () => {
  await stack?.stop();
});

const TENANT = "tnt_acme_demo";
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });

describe("configuration in a real browser", () => {
  it("connects the portal with OAuth, tests the connection and saves a mapping change", async () => {
    const page = await stack.browser.newPage();
    await page.goto(`${stack.adminUrl}/login`);
    await page.fill("#email", "admin@acme-msp.test");
    await page.fill("#password", "acme-demo-pass");
    await Promise.all([page.waitForURL(`${stack.adminUrl}/t/${TENANT}`), page.click("button[type=submit]")]);

    await page.goto(`${stack.adminUrl}/t/${TENANT}/onboarding`);
    expect(await page.textContent("h1")).toBe("Connections");
    await shot(page, "configuration-connections");

    // "Generate Token" leaves for the portal's own sign-in page (through the hop page's meta refresh)…
    await Promise.all([
      page.waitForURL((u) => u.pathname.endsWith("/zendesk/oauth/authorizations/new")),
      page.click('form[action$="/portal/oauth"] button[type=submit]'),
    ]);
    await page.fill("#email", "it@acme-msp.test");
    await page.fill("#password", "acme-portal-pass");
    await shot(page, "configuration-portal-sign-in");
    // …and comes back connected.
    await Promise.all([page.waitForURL(`${stack.adminUrl}/t/${TENANT}/onboarding?saved=portal`), page.click("button[type=submit]")]);
    expect(await page.textContent("[role=status]")).toContain("The Support Portal is connected.");
    expect(await page.textContent("#portal")).toContain("it@acme-msp.test (OAuth token)");

    await Promise.all([page.waitForURL((u) => u.search === "?saved=test"), page.click('form[action$="/onboarding/test"] button[type=submit]')]);
    const result = (await page.textContent("#test")) ?? "";
    expect(result).toContain("All checks passed");
    expect(result).toContain("Callbacks");
    await shot(page, "configuration-test-connection");

    await page.click("text=Open Advanced Settings");
    await page.waitForURL(`${stack.adminUrl}/t/${TENANT}/settings`);
    await page.selectOption("#priority\\.low", { label: "Priority 2 - Quick Response" });
    await Promise.all([page.waitForResponse((r) => r.url().endsWith("/settings") && r.request().method() === "POST"), page.click("text=Save settings")]);
    const summary = (await page.textContent("[role=status]")) ?? "";
    expect(summary).toContain("Saved.");
    expect(summary).toContain("Priority low: Priority 4 - Schedule Maintenance → Priority 2 - Quick Response");
    await shot(page, "configuration-settings-saved");

    const html = await page.content();
    for (const secret of ["acme-private-key", "acme-portal-token", "acme-portal-pass"]) expect(html).not.toContain(secret);
    await page.close();
  });
});
