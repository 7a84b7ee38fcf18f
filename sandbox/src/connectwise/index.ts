import { Hono } from "hono";
import type { EmulatorModule, SandboxDeps } from "../deps";

/** Placeholder until the ConnectWise emulator lands (issue 3). */
export function createConnectWise(_deps: SandboxDeps): EmulatorModule {
  const app = new Hono();
  return { app, migrate() {}, reset() {} };
}
