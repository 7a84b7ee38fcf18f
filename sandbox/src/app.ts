import { Hono } from "hono";
import { z } from "zod";
import type { SandboxDeps } from "./deps";
import { createConnectWise } from "./connectwise";
import { createZendesk } from "./zendesk";
import { faultsAndLog } from "./control/fault-middleware";
import { createFaultStore } from "./control/faults";
import { createLimitStore } from "./control/limits";
import { createDeliveryLog } from "./control/deliveries";
import { createRequestLog } from "./control/request-log";
import { stepActivity } from "./activity";
import { DEMO_CONNECTWISE } from "./demo-data";
import { createControlRoutes } from "./control/routes";

export interface SandboxApp {
  app: Hono<{ Bindings: Env }>;
  /** One step of demo activity (the SandboxWorld alarm calls it on a period). */
  activity(): ReturnType<typeof stepActivity>;
  /** Creates tables, and seeds the demo dataset when the sandbox has never been reset. */
  start(): void;
}

export function createSandboxApp(baseDeps: SandboxDeps): SandboxApp {
  const faults = createFaultStore(baseDeps.sql);
  const log = createRequestLog(baseDeps.sql);
  const limits = createLimitStore(baseDeps.sql);
  const deliveries = createDeliveryLog(baseDeps.sql, baseDeps.now);
  const deps: SandboxDeps = { ...baseDeps, fetch: (input, init) => deliveries.fetch(input, init) };
  const connectwise = createConnectWise(deps);
  const zendesk = createZendesk(deps);
  const modules = [connectwise, zendesk];

  const app = new Hono<{ Bindings: Env }>();
  app.route("/_sandbox", createControlRoutes({ modules, faults, limits, log, deliveries }));
  // A technician working in the ConnectWise UI (not through the API): their own member, callbacks fire.
  app.post("/_sandbox/connectwise/tickets/:id{[0-9]+}/technician-notes", async (c) => {
    const body = z.object({ text: z.string().min(1).max(10_000) }).safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", message: 'Body must be {"text": "…"}' }, 400);
    const note = connectwise.addTechnicianNote(Number(c.req.param("id")), body.data.text);
    return note ? c.json(note, 201) : c.json({ error: "not_found", message: "No such ticket" }, 404);
  });
  // Another API member of the demo company (e.g. one per tenant in load runs, so calls can be told apart).
  app.post("/_sandbox/connectwise/api-members", async (c) => {
    const key = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
    const body = z.object({ publicKey: key, privateKey: key }).safeParse(await c.req.json().catch(() => null));
    if (!body.success)
      return c.json({ error: "invalid_request", message: 'Body must be {"publicKey": "…", "privateKey": "…"} (letters, digits, - and _)' }, 400);
    connectwise.addApiMember(body.data.publicKey, body.data.privateKey);
    return c.json({ publicKey: body.data.publicKey }, 201);
  });
  // Another ConnectWise customer on the same (shared cloud) host, with its own callback key.
  app.post("/_sandbox/connectwise/other-company-keys", async (c) => {
    const body = z.object({ companyName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", message: 'Body must be {"companyName": "…"} (letters, digits, - and _)' }, 400);
    if (body.data.companyName.toLowerCase() === DEMO_CONNECTWISE.companyId)
      return c.json({ error: "invalid_request", message: "That is the demo company" }, 400);
    const { path, signingKey } = connectwise.addOtherCompanyKey(body.data.companyName);
    return c.json({ keyUrl: `${new URL(c.req.url).origin}/cw${path}`, signingKey }, 201);
  });
  // Portal end users and their requests in bulk, for load runs and benchmarks.
  const emailAndToken = { email: z.email().max(254), apiToken: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) };
  app.post("/_sandbox/zendesk/end-users", async (c) => {
    const body = z.object(emailAndToken).safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", message: 'Body must be {"email": "…", "apiToken": "…"}' }, 400);
    const user = zendesk.addEndUser(body.data.email, body.data.apiToken);
    return c.json(user, user.created ? 201 : 200);
  });
  // Portal users of a given role (an MSP's account made an agent) and organisations, for identity tests.
  app.post("/_sandbox/zendesk/users", async (c) => {
    const body = z
      .object({ ...emailAndToken, role: z.enum(["end-user", "agent", "admin"]), organizationId: z.number().int().positive().nullable().default(null) })
      .safeParse(await c.req.json().catch(() => null));
    if (!body.success)
      return c.json(
        {
          error: "invalid_request",
          message: 'Body must be {"email": "…", "apiToken": "…", "role": "end-user" | "agent" | "admin", "organizationId"?: number}',
        },
        400,
      );
    const user = zendesk.upsertUser(body.data);
    return c.json(user, user.created ? 201 : 200);
  });
  app.post("/_sandbox/zendesk/organizations", async (c) => {
    const body = z.object({ name: z.string().min(1).max(100), sharedTickets: z.boolean().default(false) }).safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", message: 'Body must be {"name": "…", "sharedTickets"?: boolean}' }, 400);
    return c.json(zendesk.addOrganization(body.data), 201);
  });
  app.post("/_sandbox/zendesk/requests/bulk", async (c) => {
    const body = z
      .object({
        email: emailAndToken.email,
        count: z.number().int().min(1).max(20_000),
        comments: z.number().int().min(0).max(50).default(0),
        subjectPrefix: z.string().min(1).max(100).default("bulk request"),
        clusterIds: z.array(z.string().min(1).max(100)).max(50).default([]),
      })
      .safeParse(await c.req.json().catch(() => null));
    if (!body.success)
      return c.json(
        {
          error: "invalid_request",
          message: "Body must be {email, count (1–20000), comments?, subjectPrefix?, clusterIds?}",
          details: z.treeifyError(body.error),
        },
        400,
      );
    const ids = zendesk.bulkCreateRequests(body.data);
    if (!ids) return c.json({ error: "not_found", message: "No end user with that email" }, 404);
    return c.json({ ids }, 201);
  });
  // The incremental export's clock only: it answers as if asked later, so a test sees a change without waiting out its minute.
  app.post("/_sandbox/zendesk/export-clock", async (c) => {
    const body = z.object({ aheadSeconds: z.number().int().min(0).max(86_400) }).safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", message: 'Body must be {"aheadSeconds": n} (0–86400)' }, 400);
    zendesk.setExportAhead(body.data.aheadSeconds);
    return c.json(body.data);
  });
  app.use("/cw/*", faultsAndLog("connectwise", { faults, limits, log, now: deps.now }));
  app.use("/zendesk/*", faultsAndLog("zendesk", { faults, limits, log, now: deps.now }));
  app.route("/cw", connectwise.app);
  app.route("/zendesk", zendesk.app);

  return {
    app,
    activity: () => stepActivity(zendesk, connectwise),
    start() {
      faults.migrate();
      limits.migrate();
      log.migrate();
      deliveries.migrate();
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
