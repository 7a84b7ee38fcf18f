import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("login page in a real browser", () => {
  it("shows a clear error for a wrong password and keeps the email", async () => {
    const page = await stack.browser.newPage();
    const res = await page.goto(`${stack.adminUrl}/login`);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe("Sign in · psa-sync");
    await page.fill("#email", "admin@acme-msp.test");
    await page.fill("#password", "not-the-password");
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/login") && r.request().method() === "POST"),
      page.click("button[type=submit]"),
    ]);
    expect(answer.status()).toBe(401);
    await expect.poll(() => page.textContent("[role=alert]")).toContain("Email or password is incorrect.");
    expect(await page.inputValue("#email")).toBe("admin@acme-msp.test");
    expect(await page.inputValue("#password")).toBe("");
    await page.close();
  });

  it("signs the demo tenant admin in and out", async () => {
    const page = await stack.browser.newPage();
    await page.goto(`${stack.adminUrl}/login`);
    await page.fill("#email", "admin@acme-msp.test");
    await page.fill("#password", "acme-demo-pass");
    // A tenant admin lands on their tenant's pages.
    await Promise.all([page.waitForURL(`${stack.adminUrl}/t/tnt_acme_demo`), page.click("button[type=submit]")]);
    expect(await page.textContent("h1")).toBe("Acme MSP");
    await Promise.all([page.waitForURL(`${stack.adminUrl}/login`), page.click("text=Sign out")]);
    await page.goto(`${stack.adminUrl}/`);
    expect(page.url()).toBe(`${stack.adminUrl}/login`);
    await page.close();
  });

  it("serves the page with a CSP that forbids inline script", async () => {
    const res = await fetch(`${stack.adminUrl}/login`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });
});
