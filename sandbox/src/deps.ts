import type { Hono } from "hono";

/** What an emulator module gets from the SandboxWorld Durable Object. */
export interface SandboxDeps {
  /** The Durable Object's SQLite storage; each module owns its own tables. */
  sql: SqlStorage;
  now(): Date;
  /** Runs a background task (e.g. a callback delivery) after the response is sent. */
  defer(task: () => Promise<void>): void;
  /** Outbound fetch for deliveries; read at call time so tests can intercept it. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}

/** One emulated system, mounted under its prefix (`/cw`, `/zendesk`). */
export interface EmulatorModule {
  app: Hono;
  /** Creates its tables if missing (idempotent; runs on every object start). */
  migrate(): void;
  /** Drops all its data and seeds the demo dataset. */
  reset(): void;
}
