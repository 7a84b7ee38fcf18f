import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";
import { AppError } from "./lib/errors";
import { errorFields, log } from "./lib/log";
import { HTTPException } from "hono/http-exception";
import { API_BASE, apiRoutes } from "./admin/api";
import { adminPages } from "./admin/pages";
import type { AdminEnv } from "./admin/shared/context";
import { pageError, pageNotFound } from "./admin/shared/page-errors";
import { pageRenderer } from "./admin/shared/views/layout";
import { devRoutes } from "./routes/dev";
import { healthRoutes } from "./routes/health";
import { hookRoutes } from "./routes/hooks";
import { staticRoutes } from "./routes/static";

export const app = new Hono<AdminEnv>();

// First, so that every page (an error page too) can `c.render` into the layout.
app.use(pageRenderer);
app.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  }),
);
// Pages and API answers show account data and secrets shown once (tokens, sign-in links):
// no browser or proxy may keep them. Only the static assets set their own caching.
app.use("*", async (c, next) => {
  await next();
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
});
// Unsafe form posts must come from our own origin (a second CSRF layer for the admin
// forms; the API uses bearer tokens and the hooks signatures, not cookies: both exempt).
app.use("*", async (c, next) => (c.req.path.startsWith("/api/") || c.req.path.startsWith("/hooks/") ? next() : csrf()(c, next)));

app.route("/", healthRoutes);
app.route("/", staticRoutes);
// Mounted, not routed: the API answers its own unknown paths and errors (problem+json).
app.mount(API_BASE, apiRoutes.fetch);
app.route("/hooks", hookRoutes);
app.use("/_dev/*", async (c, next) => (c.env.DEMO_MODE === "on" ? next() : c.notFound()));
app.route("/_dev", devRoutes);
app.route("/", adminPages);

const wantsJson = (path: string) => path.startsWith("/api/") || path.startsWith("/_dev/") || path === "/healthz";

app.notFound((c) => (wantsJson(c.req.path) ? c.json({ type: "about:blank", title: "Not Found", status: 404 }, 404) : pageNotFound(c)));

// The pages' error path (admin/shared/page-errors.tsx); the API has its own (admin/shared/api/errors.ts).
app.onError((err, c) => {
  if (!wantsJson(c.req.path)) return pageError(err, c);
  const status = err instanceof HTTPException || err instanceof AppError ? err.status : 500;
  if (status >= 500) log.error("http.unhandled", { path: c.req.path, ...errorFields(err) });
  return c.json({ type: "about:blank", title: status >= 500 ? "Something went wrong" : err.message, status }, status as 400);
});
