import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack";

/**
 * The monitoring pages in a real browser over the real stack: a scheduled run of the demo
 * tenant, watched from the Runs page (live progress), then its tickets and a timeline.
 */
let stack: Stack;
const SHOTS = "test-results/screenshots";
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack({ sandbox: true });
});
afterAll(async () => {
  await stack?.stop();
});

describe("monitoring in a real browser", () => {
  it("follows a scheduled run to completion, then finds its tickets and a timeline", async () => {
    const page = await stack.browser.newPage();
    const base = `${stack.adminUrl}/t/tnt_acme_demo`;
    await page.goto(`${stack.adminUrl}/login`);
    await page.fill("#email", "admin@acme-msp.test");
    await page.fill("#password", "acme-demo-pass");
    await Promise.all([page.waitForURL(base), page.click("button[type=submit]")]);

    const tick = await fetch(`${stack.adminUrl}/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*`);
    expect(tick.status).toBe(200);

    await page.goto(`${base}/runs`);
    await page.click("table tbody tr:first-child td:first-child a");
    await page.waitForURL(/\/runs\/[^/]+$/);
    const sawLive = (await page.getAttribute("#run-progress", "data-live")) === "1";
    await page.screenshot({ path: `${SHOTS}/monitoring-run-progress.png`, fullPage: true });
    // The page's script polls progress.json and shows the end without a manual reload.
    await expect.poll(() => page.textContent("#run-progress [data-field=status]"), { timeout: 45_000, interval: 500 }).toBe("completed");
    await expect.poll(() => page.locator("text=Tickets of this run").count()).toBe(1);
    await expect.poll(async () => Number(await page.textContent("[data-field='tickets.done']")), { timeout: 10_000 }).toBeGreaterThanOrEqual(12);
    await page.waitForSelector("table a[href*='/tickets/']");
    await page.screenshot({ path: `${SHOTS}/monitoring-run-completed.png`, fullPage: true });
    console.log(`run page was ${sawLive ? "live while the run went on" : "opened after the run had ended"}`);

    await page.click("nav.tenant-nav >> text=Tickets");
    await page.waitForURL(`${base}/tickets`);
    const rows = await page.locator("table tbody tr").count();
    expect(rows).toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: `${SHOTS}/monitoring-tickets.png`, fullPage: true });

    // Search narrows the list to one ticket by its portal id.
    const firstId = (await page.textContent("table tbody tr:first-child td:first-child a"))!.replace("#", "").trim();
    await page.fill("#q", firstId);
    await Promise.all([page.waitForURL(/q=/), page.click("form.filters button[type=submit]")]);
    await page.click(`table a[href$='/tickets/${firstId}']`);
    await page.waitForURL(`${base}/tickets/${firstId}`);
    expect(await page.textContent("h1")).toContain(`Ticket #${firstId}`);
    const timeline = (await page.textContent("main"))!;
    expect(timeline).toContain("ConnectWise ticket created");
    expect(timeline).toContain("Support Portal request");
    expect(timeline).toMatch(/ConnectWise ticket\s*#\d+/);
    await page.screenshot({ path: `${SHOTS}/monitoring-ticket-timeline.png`, fullPage: true });

    await page.click("nav.tenant-nav >> text=Dashboard");
    await page.waitForURL(base);
    // The chart is a labelled SVG of links (one per run), not role="img" (which may hold no links).
    expect(await page.getAttribute(".run-chart svg", "aria-label")).toMatch(/Tickets per run/);
    expect(await page.locator(".run-chart svg a").first().getAttribute("aria-label")).toMatch(/^Run of .* UTC · \w+: \d+ synced/);
    await page.screenshot({ path: `${SHOTS}/monitoring-dashboard.png`, fullPage: true });
    await page.close();
  });
});
