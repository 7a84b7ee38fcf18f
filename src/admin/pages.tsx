import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { APP_CSS } from "../views/styles";
import { tenantAccess, verifyCsrf } from "./shared/access";
import { accountRoutes } from "./accounts/password-pages";
import { authRoutes } from "./accounts/sign-in-pages";
import { firstSignInRoutes } from "./accounts/first-sign-in-pages";
import { configurationPages } from "./configuration/pages";
import { monitoringPages } from "./monitoring/pages";
import { operatorPages } from "./operator/pages";
import { requireSession, type AdminEnv } from "./shared/session";
import { taskPages } from "./tasks/pages";
import { tenantAccountPages } from "./accounts/tenant-pages";
import { PAGE_SCRIPTS } from "../views/scripts";
import { FAVICON_SVG } from "../views/favicon";

/** The server-rendered admin utility. */
export const adminRoutes = new Hono<AdminEnv>();

/** Largest form the pages read, in bytes (the largest real one, Advanced Settings, is a few KiB). */
const MAX_FORM_BYTES = 64 * 1024;

adminRoutes.use(
  "*",
  bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: "That form is too large." });
    },
  }),
);
const STATIC_CACHE = "public, max-age=300";
adminRoutes.get("/static/app.css", (c) => c.body(APP_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": STATIC_CACHE }));
adminRoutes.get("/static/:script{[a-z-]+\\.js}", (c) => {
  const script = PAGE_SCRIPTS[c.req.param("script")];
  return script ? c.body(script, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": STATIC_CACHE }) : c.notFound();
});
// Browsers ask for /favicon.ico whatever the pages link: both answer with the SVG.
const favicon = (c: Context) => c.body(FAVICON_SVG, 200, { "content-type": "image/svg+xml", "cache-control": STATIC_CACHE });
adminRoutes.get("/static/favicon.svg", favicon);
adminRoutes.get("/favicon.ico", favicon);
adminRoutes.route("/", authRoutes);
adminRoutes.route("/", firstSignInRoutes);

// Everything below needs a session, and every unsafe request a CSRF token.
adminRoutes.use("/", requireSession);
adminRoutes.use("/t/*", requireSession, verifyCsrf);
adminRoutes.use("/operator/*", requireSession, verifyCsrf);
adminRoutes.use("/account/*", requireSession, verifyCsrf);

adminRoutes.get("/", (c) => {
  const user = c.get("user");
  return c.redirect(user.role === "operator" || !user.tenantId ? "/operator/tenants" : `/t/${user.tenantId}`, 303);
});
adminRoutes.route("/account", accountRoutes);
adminRoutes.route("/operator", operatorPages);

const tenantPages = new Hono<AdminEnv>();
tenantPages.use("*", tenantAccess);
tenantPages.route("/", monitoringPages);
tenantPages.route("/", configurationPages);
tenantPages.route("/", taskPages);
tenantPages.route("/", tenantAccountPages);
adminRoutes.route("/t/:tenantId", tenantPages);
