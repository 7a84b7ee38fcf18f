import { Hono } from "hono";
import type { SandboxDeps } from "./deps";
import { createConnectWise } from "./connectwise";
import { createZendesk } from "./zendesk";
import { faultsAndLog } from "./control/fault-middleware";
import { createFaultStore } from "./control/faults";
import { createRequestLog } from "./control/request-log";
import { stepActivity } from "./activity";
import { createControlRoutes } from "./control/routes";

export interface SandboxApp {
  app: Hono<{ Bindings: Env }>;
  /** One step of demo activity (the SandboxWorld alarm calls it on a period). */
  activity(): ReturnType<typeof stepActivity>;
  /** Creates tables, and seeds the demo dataset when the sandbox has never been reset. */
  start(): void;
}

export function createSandboxApp(deps: SandboxDeps): SandboxApp {
  const faults = createFaultStore(deps.sql);
  const log = createRequestLog(deps.sql);
  const connectwise = createConnectWise(deps);
  const zendesk = createZendesk(deps);
  const modules = [connectwise, zendesk];

  const app = new Hono<{ Bindings: Env }>();
  app.route("/_sandbox", createControlRoutes({ modules, faults, log }));
  app.use("/cw/*", faultsAndLog("connectwise", { faults, log, now: deps.now }));
  app.use("/zendesk/*", faultsAndLog("zendesk", { faults, log, now: deps.now }));
  app.route("/cw", connectwise.app);
  app.route("/zendesk", zendesk.app);

  return {
    app,
    activity: () => stepActivity(zendesk, connectwise),
    start() {
      faults.migrate();
      log.migrate();
      deps.sql.exec(`CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      for (const m of modules) m.migrate();
      const seeded = deps.sql.exec(`SELECT 1 FROM sandbox_meta WHERE key = 'seeded'`).toArray().length > 0;
      if (!seeded) {
        for (const m of modules) m.reset();
        deps.sql.exec(`INSERT INTO sandbox_meta (key, value) VALUES ('seeded', ?)`, deps.now().toISOString());
      }
    },
  };
}
