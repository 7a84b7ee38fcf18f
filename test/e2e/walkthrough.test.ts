import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeBothSchemes } from "./axe";
import { shot as shotAs, signInPage, startStack, type Stack } from "./stack";

/**
 * The whole story of a new tenant admin in one browser session (issue 5's walk): forced
 * password change, portal OAuth, ConnectWise keys, test connection, mappings from live
 * choices, Sync now, the run completing, a ticket's timeline, a failure and its replay.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandbox: true });
});
afterAll(async () => {
  await stack?.stop();
});

const shot = (page: Page, name: string) => shotAs(page, `walkthrough-${name}`);
const signIn = (page: Page, email: string, password: string) => signInPage(stack, page, email, password);

/** Reloads `url` until `check` holds (server-rendered pages: progress shows on reload). */
async function until(page: Page, url: string, check: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    await page.goto(url);
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting on ${url}; the page says:\n${((await page.textContent("main")) ?? "").replace(/\s+/g, " ").slice(0, 1500)}`);
    await page.waitForTimeout(1000);
  }
}

async function connectConnectWise(page: Page, base: string, privateKey: string) {
  await page.goto(`${base}/onboarding`);
  await page.fill("#site", `${stack.sandboxUrl}/cw`);
  await page.fill("#companyId", "acme");
  await page.fill("#publicKey", "acme-public-key");
  await page.fill("#privateKey", privateKey);
  await page.fill("#clientId", "psa-sync-demo-client");
  await Promise.all([page.waitForURL(/saved=connectwise/), page.click(`form[action$="/onboarding/connectwise"] button[type=submit]`)]);
}

describe("a new tenant admin, from the first sign-in to a replayed failure", () => {
  // The longest story in the suite: it takes about a minute alone, more beside other work.
  it("walks every step in the browser", { timeout: 240_000 }, async () => {
    // The operator registers the tenant and hands over a one-time sign-in link.
    const operator = await stack.browser.newPage();
    await signIn(operator, "operator@demo.test", "operator-demo-pass");
    await operator.fill("#tenant-name", "Walkthrough MSP");
    await operator.fill("#tenant-slug", "walkthrough-msp");
    await operator.fill("#admin-email", "admin@walkthrough.test");
    await operator.fill("#admin-name", "Wanda Admin");
    await Promise.all([operator.waitForNavigation(), operator.click("text=Register tenant")]);
    const link = (await operator.textContent("code.secret"))?.trim() ?? "";
    await operator.close();

    // 1. First sign-in: the link lets the admin choose a password, once.
    const page = await stack.browser.newPage();
    await page.goto(link);
    await page.fill("#password", "walkthrough passphrase 1");
    await page.fill("#confirm", "walkthrough passphrase 1");
    await Promise.all([page.waitForURL(/\/t\/tnt_[0-9a-f]+$/), page.click("main button[type=submit]")]);
    const base = page.url();
    await shot(page, "1-dashboard-new");

    // 2. Connect the Support Portal through OAuth, signing in on the portal's own page.
    await page.goto(`${base}/onboarding`);
    await Promise.all([
      page.waitForURL((u) => u.pathname.endsWith("/zendesk/oauth/authorizations/new")),
      page.click('form[action$="/portal/oauth"] button[type=submit]'),
    ]);
    await page.fill("#email", "it@acme-msp.test");
    await page.fill("#password", "acme-portal-pass");
    await Promise.all([page.waitForURL(/saved=portal/), page.click("button[type=submit]")]);
    expect(await page.textContent("[role=status]")).toContain("The Support Portal is connected.");

    // 3. ConnectWise keys, then 4. Test connection.
    await connectConnectWise(page, base, "acme-private-key");
    await Promise.all([page.waitForURL(/saved=test/), page.click('form[action$="/onboarding/test"] button[type=submit]')]);
    expect(await page.textContent("#test")).toContain("All checks passed");
    await shot(page, "2-test-connection");

    // 5. Advanced Settings from live ConnectWise choices.
    await page.goto(`${base}/settings`);
    // Changing the board reloads the page with that board's statuses (progressive enhancement).
    const board = await page.$eval("#board", (el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent?.trim() ?? "");
    if (board !== "Easy Connect Support") {
      await Promise.all([page.waitForNavigation(), page.selectOption("#board", { label: "Easy Connect Support" })]);
    }
    await page.selectOption("#defaultCompanyId", { label: "Acme MSP Catch-All" });
    const priorities: Record<string, string> = {
      low: "Priority 4 - Schedule Maintenance",
      normal: "Priority 3 - Normal Response",
      high: "Priority 2 - Quick Response",
      urgent: "Priority 1 - Emergency Response",
      none: "Priority 3 - Normal Response",
    };
    for (const [k, label] of Object.entries(priorities)) await page.selectOption(`#priority\\.${k}`, { label });
    const statuses: Record<string, string> = {
      new: "New",
      open: "In Progress",
      pending: "Waiting on Customer",
      hold: "Waiting on Customer",
      solved: "Resolved (closed)",
      closed: "Closed (closed)",
    };
    for (const [k, label] of Object.entries(statuses)) await page.selectOption(`#status\\.${k}`, { label });
    await page.fill("#syncFrom", "2026-01-01");
    await Promise.all([page.waitForResponse((r) => r.url().endsWith("/settings") && r.request().method() === "POST"), page.click("text=Save settings")]);
    expect(await page.textContent("[role=status]")).toContain("Saved.");
    await shot(page, "3-settings-saved");

    // 6. Sync now, and watch the run complete.
    await page.goto(`${base}/tasks`);
    await Promise.all([page.waitForURL(/done=sync-/), page.click("button:has-text('Sync now')")]);
    await until(page, `${base}/runs`, async () => ((await page.textContent("table tbody tr:first-child")) ?? "").includes("completed"));
    await page.click("table tbody tr:first-child td:first-child a");
    expect(await page.textContent("main")).toMatch(/completed/i);
    await shot(page, "4-run-completed");

    // 7. A ticket's timeline.
    await page.goto(`${base}/tickets`);
    const firstTicket = page.locator("table tbody tr:first-child a").first();
    await firstTicket.click();
    await page.waitForURL(/\/tickets\/\d+$/);
    const timeline = (await page.textContent("main")) ?? "";
    expect(timeline).toMatch(/ConnectWise ticket #\d+ created/);
    const portalTicketId = page.url().split("/").pop()!;
    await shot(page, "5-ticket-timeline");

    // 8. A failure: the ConnectWise key is revoked and a ticket is resynced; then the key is fixed and the failure replayed.
    await connectConnectWise(page, base, "revoked-key");
    await page.goto(`${base}/tasks`);
    await page.fill("#portalTicketId", portalTicketId);
    await Promise.all([page.waitForURL(/done=/), page.click("button:has-text('Resync')")]);
    await until(page, `${base}/failures`, async () => ((await page.textContent("main")) ?? "").includes("unauthorized"));
    await shot(page, "6-failure");
    await connectConnectWise(page, base, "acme-private-key");
    await page.goto(`${base}/failures`);
    await Promise.all([page.waitForNavigation(), page.click("button:has-text('Replay')")]);
    await until(page, `${base}/failures`, async () => ((await page.textContent("main")) ?? "").toLowerCase().includes("replayed"));
    await shot(page, "7-failure-replayed");

    // 9. A technician deletes another ticket in ConnectWise (not the one just replayed, whose
    // resync may still be running); the customer writes again, so the next sync of the ticket
    // shows the warning and its fix, and the bulk resync on Admin tasks creates it again.
    await page.goto(`${base}/tickets`);
    const hrefs = await page.$$eval("table tbody tr a", (links) => links.map((a) => a.getAttribute("href") ?? ""));
    const other = hrefs.map((h) => /\/tickets\/(\d+)$/.exec(h)?.[1]).find((id) => id && id !== portalTicketId)!;
    await page.goto(`${base}/tickets/${other}`);
    const cwTicketId = /ConnectWise ticket #(\d+) created/.exec((await page.textContent("main")) ?? "")![1];
    const cwAuth = { authorization: `Basic ${Buffer.from("acme+acme-public-key:acme-private-key").toString("base64")}`, clientId: "psa-sync-demo-client" };
    expect((await fetch(`${stack.sandboxUrl}/cw/v4_6_release/apis/3.0/service/tickets/${cwTicketId}`, { method: "DELETE", headers: cwAuth })).status).toBe(204);
    const portalAuth = {
      authorization: `Basic ${Buffer.from("it@acme-msp.test/token:acme-portal-token").toString("base64")}`,
      "content-type": "application/json",
    };
    const comment = { request: { comment: { body: "Is anyone on this?" } } };
    expect(
      (await fetch(`${stack.sandboxUrl}/zendesk/api/v2/requests/${other}`, { method: "PUT", headers: portalAuth, body: JSON.stringify(comment) })).status,
    ).toBe(200);
    await page.goto(`${base}/tasks`);
    await Promise.all([page.waitForURL(/done=sync-/), page.click("button:has-text('Sync now')")]);
    await until(page, `${base}/tickets/${other}`, async () => ((await page.textContent("main")) ?? "").includes("ConnectWise ticket deleted"));
    expect(await page.textContent("main")).toContain("Resync the ticket to create a new one with its full history");
    await shot(page, "8-ticket-warning");
    // The run "Sync now" started may still be listing: wait for it, so the resync starts its own.
    await until(page, `${base}/runs`, async () => !/running|queued/.test((await page.textContent("table tbody tr:first-child")) ?? ""));
    await page.goto(`${base}/tasks`);
    await page.selectOption("#bulk-warning", { label: "ConnectWise ticket deleted" });
    await Promise.all([page.waitForURL(/done=bulk-resync-queued/), page.click("button:has-text('Resync these tickets')")]);
    await until(
      page,
      `${base}/tickets/${other}`,
      async () =>
        /created again|new one is created/.test((await page.textContent("main")) ?? "") &&
        !((await page.textContent("main")) ?? "").includes("ConnectWise ticket deleted:"),
    );
    await shot(page, "9-ticket-fixed");
    await page.close();
  });

  // After the walk the tenant has runs, tickets, a replayed failure and audit entries: every
  // page a tenant admin reaches is checked with axe-core, light and dark, and the polish shows.
  it("meets WCAG 2.1 AA (axe) on every page, light and dark; local times, CSV links, busy buttons", { timeout: 120_000 }, async () => {
    // The CSP refuses axe's inline script; only this check's context bypasses it.
    const context = await stack.browser.newContext({ bypassCSP: true, timezoneId: "America/New_York", locale: "en-US" });
    const page = await context.newPage();
    const problems: string[] = [];
    const check = async (label: string, url?: string) => {
      if (url) await page.goto(url);
      problems.push(...(await axeBothSchemes(page, label)));
    };
    await check("login", `${stack.adminUrl}/login`);
    await check("first sign-in (used link)", `${stack.adminUrl}/first-sign-in/not-a-valid-link`);
    await signIn(page, "admin@walkthrough.test", "walkthrough passphrase 1");
    const base = page.url();
    expect(base).toMatch(/\/t\/tnt_[0-9a-f]+$/);
    await check("dashboard");
    await page.emulateMedia({ colorScheme: "dark" });
    await shot(page, "10-dashboard-dark");
    await page.emulateMedia({ colorScheme: "light" });

    await check("tickets", `${base}/tickets`);
    // Times read in the viewer's zone (here New York), the UTC moment on hover.
    const time = page.locator("table time").first();
    expect(await time.getAttribute("title")).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await time.textContent()).toMatch(/ [EC][SD]T$/);
    expect(await page.getAttribute("a[href$='/tickets.csv']", "download")).not.toBeNull();
    await shot(page, "11-tickets-local-times-csv");
    await page.click("table tbody tr:first-child td:first-child a");
    await page.waitForURL(/\/tickets\/\d+$/);
    await check("ticket timeline");
    await check("runs", `${base}/runs`);
    await page.click("table tbody tr:first-child td:first-child a");
    await page.waitForURL(/\/runs\/[^/]+$/);
    await check("run");
    await check("failures", `${base}/failures`);
    for (const path of ["onboarding", "settings", "tasks", "users", "tokens", "audit"]) await check(path, `${base}/${path}`);
    await check("account password", `${stack.adminUrl}/account/password`);

    // A slow action says it is working and cannot be sent twice. The check keeps the form from
    // leaving the page (playwright sees no page while a navigation is pending).
    await page.goto(`${base}/failures`);
    await page.locator("form[data-busy]").evaluate((form) => form.addEventListener("submit", (event) => event.preventDefault()));
    await page.click("button:has-text('Replay all not replayed')");
    await page.waitForSelector("form[aria-busy=true] button[disabled]:has-text('Working…')");

    await context.clearCookies();
    await signIn(page, "operator@demo.test", "operator-demo-pass");
    await check("operator tenants", `${stack.adminUrl}/operator/tenants`);
    await check("operator vendor feed", `${stack.adminUrl}/operator/vendor-feed`);
    await context.close();
    expect(problems, `serious or critical axe violations:\n${problems.join("\n")}`).toEqual([]);
  });
});
