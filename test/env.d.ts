import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Test-only: migrations read by vitest.config.ts, applied in test/setup. */
      TEST_MIGRATIONS: D1Migration[];
      /** Test-only: the sandbox emulator, running as an auxiliary worker. */
      SANDBOX: Fetcher;
    }
  }
}
