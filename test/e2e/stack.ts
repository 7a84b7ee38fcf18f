import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { applyLocalMigrations, freePort, seedDemo, startWorker, waitForHttp } from "../../scripts/local-stack.mjs";

export interface Stack {
  adminUrl: string;
  /** Set when started with `sandbox: true`. */
  sandboxUrl: string | null;
  browser: Browser;
  /** The last lines both Workers printed (for a failing test to show what happened). */
  recentOutput(lines?: number): string;
  stop(): Promise<void>;
}

/** Headless flags this closed network needs (no background calls to Google's hosts). */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * A real `wrangler dev` of the admin utility on free ports with its own throwaway
 * state, migrated and seeded like `npm start`, plus Debian's Chromium; with `sandbox`,
 * the sandbox Worker too (its own `wrangler dev`), and the demo tenant pointed at it.
 */
export async function startStack(opts: { sandbox?: boolean } = {}): Promise<Stack> {
  const stateDir = mkdtempSync(join(tmpdir(), "psa-sync-e2e-"));
  const envFile = join(stateDir, "test.vars");
  writeFileSync(
    envFile,
    `ENCRYPTION_KEY=${Buffer.from("e2e-only-key-never-use-anywhere!").toString("base64")}\nPORTAL_OAUTH_CLIENT_SECRET=psa-sync-demo-secret\nPASSWORD_PEPPER=e2e-only-pepper-never-use-anywhere\n`,
  );
  // Each Worker keeps its own local storage: two workerd processes on one directory collide.
  const adminState = join(stateDir, "admin");
  const sandboxState = join(stateDir, "sandbox");
  applyLocalMigrations({ persistTo: adminState });
  const output: string[] = [];
  const keep = (line: string) => {
    output.push(line);
    if (output.length > 2000) output.splice(0, output.length - 1000);
  };
  // Every port is chosen before any Worker starts.
  const [adminPort, adminInspector, sandboxPort, sandboxInspector] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const sandbox = opts.sandbox
    ? startWorker({
        name: "sandbox-e2e",
        config: "sandbox/wrangler.jsonc",
        port: sandboxPort,
        inspectorPort: sandboxInspector,
        persistTo: sandboxState,
        vars: { SANDBOX_ACTIVITY: "off" },
        onLine: (line: string) => keep(`[sandbox] ${line}`),
      })
    : null;
  const admin = startWorker({
    name: "admin-e2e",
    port: adminPort,
    inspectorPort: adminInspector,
    persistTo: adminState,
    envFile,
    // With a sandbox, push is wired like `npm start` does: callbacks and webhooks come here.
    // The portal and the one egress exemption are the sandbox's (a closed local port without one).
    vars: {
      DEMO_MODE: "on",
      PORTAL_BASE_URL: `${sandbox?.url ?? "http://127.0.0.1:9"}/zendesk`,
      EGRESS_LOCAL_ORIGINS: sandbox?.url ?? "http://127.0.0.1:9",
      ...(sandbox ? { PUBLIC_URL: `http://localhost:${adminPort}` } : {}),
    },
    onLine: (line: string) => keep(`[admin] ${line}`),
  });
  let browser: Browser;
  try {
    await waitForHttp(`${admin.url}/healthz`);
    if (sandbox) await waitForHttp(`${sandbox.url}/_sandbox/health`);
    // Without a sandbox, point the demo at a closed local port rather than at a running `npm start`.
    await seedDemo(admin.url, sandbox?.url ?? "http://127.0.0.1:9");
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  } catch (err) {
    // Anything failing once the Workers run (a missing Chromium too) stops them: each
    // `wrangler dev` is its own process group and would otherwise outlive the test run
    // (seven left behind by one such run held 21 GB and starved the next test runs).
    admin.stop();
    sandbox?.stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(`${String(err)}\n--- wrangler output ---\n${output.slice(-40).join("\n")}`);
  }
  return {
    adminUrl: admin.url,
    sandboxUrl: sandbox?.url ?? null,
    browser,
    recentOutput: (lines = 80) => output.slice(-lines).join("\n"),
    async stop() {
      await browser.close().catch(() => undefined);
      admin.stop();
      sandbox?.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Where browser tests leave their screenshots (the CI artifact the README names). */
const SCREENSHOTS = "test-results/screenshots";

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** Signs in through the login form and waits for wherever it leads. */
export async function signInPage(stack: Stack, page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${stack.adminUrl}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}
