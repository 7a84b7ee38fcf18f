import type { D1Migration } from "cloudflare:test";

declare module "vitest" {
  export interface ProvidedContext {
    /** Size of the chaos scenario (test/integration/chaos.test.ts). */
    chaos: { tenants: number; requests: number; comments: number; rate: number; seed: number };
    /** Sizes of `npm run bench` (test/bench). */
    /** Size of `npm run load` (test/load). */
    load: { tenants: number; tickets: number; comments: number; idle: number; tickSeconds: number; maxMinutes: number };
    /** Size of the push echo scenario (test/integration/push-echo.test.ts): small in `npm test`, 200 × 5 in `npm run echo`. */
    echo: { requests: number; comments: number; limits: boolean };
    bench: {
      admin: { links: number; eventsPerLink: number; repeats: number };
      backfill: { sizes: number[]; comments: number; latencyMs: number };
      cpu: { batches: number; ticketsPerBatch: number };
    };
  }
}

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
