import { Hono } from "hono";
import { seedDemo } from "../dev/seed-demo";

/**
 * Local-only routes, mounted when DEMO_MODE is "on" (set by `npm start`, never in
 * wrangler.toml): seeding the demo tenant idempotently.
 */
export const devRoutes = new Hono<{ Bindings: Env }>();

devRoutes.post("/seed-demo", async (c) => c.json(await seedDemo(c.env)));
