import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** A fixed test-only key; the real one is a Worker secret. */
const TEST_ENCRYPTION_KEY = Buffer.from("test-only-key-never-use-anywhere").toString("base64");

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
              },
              compatibilityFlags: ["service_binding_extra_handlers"],
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
          setupFiles: ["./test/setup/apply-migrations.ts"],
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./sandbox/wrangler.toml" } })],
        test: {
          name: "sandbox",
          include: ["sandbox/test/**/*.test.ts"],
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
