import { Hono } from "hono";
import { pagesFactory, type AdminEnv } from "./shared/context";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { tenantAccess, verifyCsrf } from "./shared/access";
import { accountRoutes } from "./accounts/password-pages";
import { authRoutes } from "./accounts/sign-in-pages";
import { firstSignInRoutes } from "./accounts/first-sign-in-pages";
import { configurationPages } from "./configuration/pages";
import { monitoringPages } from "./monitoring/pages";
import { operatorPages } from "./operator/pages";
import { requireSession } from "./shared/session";
import { taskPages } from "./tasks/pages";
import { tenantAccountPages } from "./accounts/tenant-pages";

/** The server-rendered admin utility: every feature's pages, behind the init middleware (db, logger), sessions and CSRF. */
export const adminPages = pagesFactory.createApp();

/** Largest form the pages read, in bytes (the largest real one, Advanced Settings, is a few KiB). */
const MAX_FORM_BYTES = 64 * 1024;

adminPages.use(
  "*",
  bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: "That form is too large." });
    },
  }),
);
adminPages.route("/", authRoutes);
adminPages.route("/", firstSignInRoutes);

// Everything below needs a session, and every unsafe request a CSRF token.
adminPages.use("/", requireSession);
adminPages.use("/t/*", requireSession, verifyCsrf);
adminPages.use("/operator/*", requireSession, verifyCsrf);
adminPages.use("/account/*", requireSession, verifyCsrf);

adminPages.get("/", (c) => {
  const user = c.get("user");
  return c.redirect(user.role === "operator" || !user.tenantId ? "/operator/tenants" : `/t/${user.tenantId}`, 303);
});
adminPages.route("/account", accountRoutes);
adminPages.route("/operator", operatorPages);

const tenantPages = new Hono<AdminEnv>();
tenantPages.use("*", tenantAccess);
tenantPages.route("/", monitoringPages);
tenantPages.route("/", configurationPages);
tenantPages.route("/", taskPages);
tenantPages.route("/", tenantAccountPages);
adminPages.route("/t/:tenantId", tenantPages);
