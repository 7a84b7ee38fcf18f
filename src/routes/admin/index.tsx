import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { APP_CSS } from "../../views/styles";
import { tenantAccess, verifyCsrf } from "./access";
import { accountRoutes } from "./account";
import { authRoutes } from "./auth";
import { firstSignInRoutes } from "./first-sign-in";
import { configurationPages } from "./configuration";
import { monitoringPages } from "./monitoring";
import { operatorPages } from "./operator";
import { requireSession, type AdminEnv } from "./session";
import { tenantAdminPages } from "./tenant-admin";
import { PAGE_SCRIPTS } from "../../views/scripts";

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
adminRoutes.get("/static/app.css", (c) => c.body(APP_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }));
adminRoutes.get("/static/:script{[a-z-]+\\.js}", (c) => {
  const script = PAGE_SCRIPTS[c.req.param("script")];
  return script ? c.body(script, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }) : c.notFound();
});
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
tenantPages.route("/", tenantAdminPages);
adminRoutes.route("/t/:tenantId", tenantPages);
