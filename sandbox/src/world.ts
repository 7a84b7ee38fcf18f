import { DurableObject } from "cloudflare:workers";
import { createSandboxApp, type SandboxApp } from "./app";

/** The sandbox's single stateful object: both emulators and the control endpoints. */
export class SandboxWorld extends DurableObject<Env> {
  private readonly sandbox: SandboxApp;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sandbox = createSandboxApp({
      sql: ctx.storage.sql,
      now: () => new Date(),
      defer: (task) => ctx.waitUntil(task().catch((err: unknown) => console.error(JSON.stringify({ level: "error", event: "sandbox.deferred_failed", message: String(err) })))),
      fetch: (input, init) => fetch(input, init),
    });
    ctx.blockConcurrencyWhile(async () => this.sandbox.start());
  }

  override fetch(request: Request): Promise<Response> | Response {
    return this.sandbox.app.fetch(request, this.env);
  }
}
