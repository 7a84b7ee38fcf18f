import { Hono } from "hono";

/** Short, so a deploy's new CSS and scripts reach every browser within minutes. */
const STATIC_CACHE = "public, max-age=300";

/**
 * The pages' stylesheet, scripts and icon: files in public/static, served by Workers Static
 * Assets through the ASSETS binding. The Worker runs first for every request (wrangler.jsonc,
 * run_worker_first), so they get the pages' security headers (CSP, nosniff), and the tests'
 * SELF.fetch, which never passes the asset router, reaches them the way a browser does.
 */
export const staticRoutes = new Hono<{ Bindings: Env }>();

staticRoutes.get("/static/*", async (c) => {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  if (asset.status === 404) return c.notFound();
  const res = new Response(asset.body, asset);
  res.headers.set("cache-control", STATIC_CACHE);
  return res;
});
// Browsers ask for /favicon.ico whatever the pages link: send them to the SVG icon.
staticRoutes.get("/favicon.ico", (c) => {
  c.header("cache-control", STATIC_CACHE);
  return c.redirect("/static/favicon.svg", 301);
});
