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
      defer: (task) => ctx.waitUntil(task().catch((err: unknown) => console.error({ level: "error", event: "sandbox.deferred_failed", message: String(err) }))),
      fetch: (input, init) => fetch(input, init),
    });
    ctx.blockConcurrencyWhile(async () => {
      this.sandbox.start();
      await this.scheduleActivity();
    });
  }

  private activityPeriodMs(): number | null {
    if (this.env.SANDBOX_ACTIVITY !== "on") return null;
    const seconds = Number(this.env.SANDBOX_ACTIVITY_SECONDS);
    return Number.isFinite(seconds) && seconds >= 1 ? seconds * 1000 : 60_000;
  }

  private async scheduleActivity(): Promise<void> {
    const period = this.activityPeriodMs();
    if (period === null) return void (await this.ctx.storage.deleteAlarm());
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + period);
  }

  /** The demo activity generator: one customer or technician action per period. */
  override async alarm(): Promise<void> {
    const period = this.activityPeriodMs();
    if (period === null) return;
    const done = this.sandbox.activity();
    console.info({ level: "info", event: "sandbox.activity", ...(done ?? { kind: "none" }) });
    await this.ctx.storage.setAlarm(Date.now() + period);
  }

  override fetch(request: Request): Promise<Response> | Response {
    return this.sandbox.app.fetch(request, this.env);
  }
}
