import { Hono } from "hono";
import { log, errorFields } from "../lib/log";

/** Liveness plus a real D1 round trip; 503 when the database does not answer. */
export const healthRoutes = new Hono<{ Bindings: Env }>();

healthRoutes.get("/healthz", async (c) => {
  const started = Date.now();
  try {
    await c.env.DB.prepare("SELECT 1 AS ok").first();
    return c.json({ ok: true, db: "ok", ms: Date.now() - started });
  } catch (err) {
    log.error("health.db_failed", errorFields(err));
    return c.json({ ok: false, db: "unavailable" }, 503);
  }
});
