import { Hono } from "hono";
import { z } from "zod";
import type { EmulatorModule } from "../deps";
import { faultRuleSchema, type FaultStore } from "./faults";
import { limitSchema, type LimitStore } from "./limits";
import type { DeliveryLog } from "./deliveries";
import type { RequestLog } from "./request-log";

const requestsQuery = z.object({
  api: z.enum(["connectwise", "zendesk"]).optional(),
  sinceId: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(50_000).default(10_000),
});

/** `/_sandbox/…`: health, reset, fault rules, rate limits and the request log. */
export function createControlRoutes({
  modules,
  faults,
  limits,
  log,
  deliveries,
}: {
  modules: EmulatorModule[];
  faults: FaultStore;
  limits: LimitStore;
  log: RequestLog;
  deliveries: DeliveryLog;
}) {
  const control = new Hono<{ Bindings: Env }>();
  const invalid = (message: string, details: unknown) => Response.json({ error: "invalid_request", message, details }, { status: 400 });

  control.get("/health", (c) => c.json({ ok: true, service: "psa-sync-sandbox" }));

  control.post("/reset", (c) => {
    faults.clear();
    limits.clear();
    log.clear();
    deliveries.clear();
    for (const m of modules) m.reset();
    return c.json({ ok: true });
  });

  control.get("/faults", (c) => c.json({ faults: faults.list() }));
  control.post("/faults", async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const parsed = faultRuleSchema.safeParse(body);
    if (!parsed.success) return invalid("Body must be a fault rule", z.treeifyError(parsed.error));
    const id = faults.add(parsed.data);
    return c.json({ id, ...parsed.data }, 201);
  });
  control.delete("/faults", (c) => {
    faults.clear();
    return c.body(null, 204);
  });

  // The real systems' per-minute budgets; off until set (unit and integration tests never set them).
  control.get("/limits", (c) => c.json({ limits: limits.list() }));
  control.post("/limits", async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const parsed = limitSchema.safeParse(body);
    if (!parsed.success) {
      return invalid(
        'Body must be {"api": "zendesk", "perMinute": n, "updateTicketPerMinute"?: n, "incrementalPerMinute"?: n} or {"api": "connectwise", "perMinute": n}',
        z.treeifyError(parsed.error),
      );
    }
    limits.set(parsed.data);
    return c.json({ limits: limits.list() });
  });
  control.delete("/limits", (c) => {
    limits.clear();
    return c.body(null, 204);
  });

  control.get("/requests", (c) => {
    const parsed = requestsQuery.safeParse(c.req.query());
    if (!parsed.success) return invalid("Bad query", z.treeifyError(parsed.error));
    const requests = log.list(parsed.data);
    return c.json({ requests, count: requests.length });
  });
  control.get("/deliveries", (c) => {
    const sinceId = z.coerce.number().int().min(0).catch(0).parse(c.req.query("sinceId"));
    return c.json({ deliveries: deliveries.list(sinceId) });
  });

  control.delete("/requests", (c) => {
    log.clear();
    return c.body(null, 204);
  });

  return control;
}
