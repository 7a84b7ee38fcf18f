import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

/** A fixed test-only key; the real one is a Worker secret. */
const TEST_ENCRYPTION_KEY = Buffer.from("test-only-key-never-use-anywhere").toString("base64");
const SANDBOX_BUILD = resolve(".sandbox-build");
const PORTAL_BUDGET_TEST = "test/integration/portal-budget.test.ts";

/**
 * The sandbox runs beside the Worker under test as an auxiliary worker (its real code
 * and Durable Object storage), bundled by wrangler first. Tests route the Worker's
 * outbound fetches to it through the test-only SANDBOX binding (test/setup/sandbox.ts).
 */
function buildSandbox(): string {
  execFileSync(
    process.execPath,
    [resolve("node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", SANDBOX_BUILD, "-c", "sandbox/wrangler.jsonc"],
    {
      stdio: "pipe",
    },
  );
  return resolve(SANDBOX_BUILD, "index.js");
}

let sandboxScript: string | undefined;

/** A scenario's size: each default overridden by `{PREFIX}_{KEY}` (tickSeconds → LOAD_TICK_SECONDS). */
function sizedByEnv<T extends Record<string, number>>(prefix: string, defaults: T): T {
  const read = ([key, value]: [string, number]) => [key, Number(process.env[`${prefix}_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] ?? value)];
  return Object.fromEntries(Object.entries(defaults).map(read)) as T;
}

/**
 * The Worker under test with the sandbox beside it; `vars` override bindings for a project
 * that needs the whole Worker (queues, Durable Objects) under other settings.
 */
async function workerPool(vars: Record<string, string> = {}) {
  sandboxScript ??= buildSandbox();
  return {
    wrangler: { configPath: "./wrangler.jsonc" },
    miniflare: {
      bindings: {
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        PORTAL_OAUTH_CLIENT_SECRET: "psa-sync-demo-secret",
        PASSWORD_PEPPER: "test-only-pepper-never-use-anywhere",
        // Retries in seconds, not minutes, so fault tests converge quickly: a message failing
        // all 9 attempts waits 8 s in all, not the 4 min of doubling to 128 s.
        RETRY_BASE_SECONDS: "1",
        RETRY_MAX_SECONDS: "1",
        // Tests sync hundreds of tickets in seconds; the cap's own test sets a small one.
        // The load run (npm run load) uses the production value.
        CW_CALL_LIMIT: process.env.CW_CALL_LIMIT ?? "20000/60",
        // The same for the portal account's budget; its own tests run in the portal-budget project.
        PORTAL_CALL_LIMIT: process.env.PORTAL_CALL_LIMIT ?? "20000/60",
        // Where the sandbox is told to send callbacks in tests (deliveries are replayed by the tests).
        PUBLIC_URL: "http://localhost",
        // The deployment's portal is the sandbox's, and the sandbox the one origin exempt from
        // the egress policy's https and local-address rules (as under `npm start`).
        PORTAL_BASE_URL: "http://localhost:8788/zendesk",
        EGRESS_LOCAL_ORIGINS: "http://localhost:8788",
        // An endless listing ends after 10 pages (seconds), not 100 (a minute and a half).
        LISTING_MAX_PAGES: "10",
        TEST_MIGRATIONS: await readD1Migrations("./migrations"),
        ...vars,
      },
      compatibilityFlags: ["service_binding_extra_handlers"],
      serviceBindings: { SANDBOX: "psa-sync-sandbox" },
      workers: [
        {
          name: "psa-sync-sandbox",
          modules: true,
          scriptPath: sandboxScript,
          compatibilityDate: "2026-11-17",
          compatibilityFlags: ["nodejs_compat"],
          bindings: { SANDBOX_ACTIVITY: "off", SANDBOX_ACTIVITY_SECONDS: "60" },
          durableObjects: { WORLD: { className: "SandboxWorld", useSQLite: true } },
        },
      ],
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest(() => workerPool())],
        test: {
          name: "workers",
          testTimeout: 60_000,
          // The chaos scenario's size: small in `npm test`, large in `npm run chaos`.
          provide: {
            chaos: sizedByEnv("CHAOS", { tenants: 2, requests: 4, comments: 2, rate: 0.2, seed: 20261128 }),
            load: sizedByEnv("LOAD", { tenants: 1000, tickets: 5, comments: 2, idle: 200, tickSeconds: 300, maxMinutes: 35 }),
            // The push echo scenario's size: 20 × 2 in `npm test`, 200 × 5 under the real limits in `npm run echo`.
            echo: { ...sizedByEnv("ECHO", { requests: 20, comments: 2 }), limits: process.env.ECHO_LIMITS === "1" },
            bench:
              process.env.BENCH === "quick"
                ? {
                    admin: { links: 10_000, eventsPerLink: 5, repeats: 10 },
                    backfill: { sizes: [100], comments: 2, latencyMs: 50 },
                    cpu: { batches: 4, ticketsPerBatch: 20 },
                  }
                : {
                    admin: { links: 100_000, eventsPerLink: 5, repeats: 20 },
                    cpu: { batches: 10, ticketsPerBatch: 20 },
                    // The scaling series: BENCH_BACKFILL="1000,10000" for the 10k point (see README, Benchmarks).
                    backfill: {
                      sizes: (process.env.BENCH_BACKFILL ?? "1000").split(",").map(Number),
                      comments: 5,
                      latencyMs: Number(process.env.BENCH_LATENCY_MS ?? 50),
                    },
                  },
          },
          // Benchmarks (test/bench) run only under `npm run bench`: they measure, they assert nothing.
          include: [
            "test/unit/**/*.test.ts",
            "test/integration/**/*.test.ts",
            ...(process.env.BENCH ? ["test/bench/**/*.test.ts"] : []),
            ...(process.env.LOAD ? ["test/load/**/*.test.ts"] : []),
          ],
          exclude: [...configDefaults.exclude, PORTAL_BUDGET_TEST],
          setupFiles: ["./test/setup/apply-migrations.ts", "./test/setup/d1-limits.ts"],
        },
      },
      {
        // The portal account's budget is one per deployment: its test gets a Worker (queues,
        // Durable Objects, sandbox) of its own with a low PORTAL_CALL_LIMIT, so its pauses and
        // queues never slow other files. 120 per 30 s is 240 a minute, under the sandbox limit it sets.
        plugins: [cloudflareTest(() => workerPool({ PORTAL_CALL_LIMIT: "120/30" }))],
        test: {
          name: "portal-budget",
          testTimeout: 180_000,
          include: [PORTAL_BUDGET_TEST],
          setupFiles: ["./test/setup/apply-migrations.ts", "./test/setup/d1-limits.ts"],
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./sandbox/wrangler.jsonc" } })],
        test: {
          name: "sandbox",
          include: ["sandbox/test/**/*.test.ts"],
        },
      },
      {
        // Checks of the tooling itself (the patched test harness), in Node.
        test: {
          name: "tooling",
          environment: "node",
          include: ["test/tooling/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
