import { Hono } from "hono";
import type { EmulatorModule, SandboxDeps } from "../deps";

/** Placeholder until the Zendesk emulator lands (issue 3). */
export function createZendesk(_deps: SandboxDeps): EmulatorModule {
  const app = new Hono();
  return { app, migrate() {}, reset() {} };
}
