import { Hono } from "hono";
import { z } from "zod";
import { DEMO, seedDemo } from "../dev/seed-demo";

/** Only a sandbox on this machine may be named (tests run one on a free port). */
const seedBody = z
  .object({ sandboxUrl: z.url().regex(/^http:\/\/(localhost|127\.0\.0\.1):\d{1,5}$/, "a local sandbox address, e.g. http://localhost:8788") })
  .partial();

/**
 * Local-only routes, mounted when DEMO_MODE is "on" (set by `npm start`, never in
 * wrangler.jsonc): seeding the demo tenant idempotently.
 */
export const devRoutes = new Hono<{ Bindings: Env }>();

devRoutes.post("/seed-demo", async (c) => {
  const raw: unknown = c.req.header("content-type")?.includes("json") ? await c.req.json().catch(() => null) : {};
  const body = seedBody.safeParse(raw ?? undefined);
  if (!body.success) return c.json({ type: "about:blank", title: "Invalid seed request", status: 400, detail: z.prettifyError(body.error) }, 400);
  return c.json(await seedDemo(c.env, body.data.sandboxUrl ?? DEMO.sandboxUrl));
});
