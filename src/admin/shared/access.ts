import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { eq } from "drizzle-orm";
import { tenants } from "../../db/schema";
import { timingSafeEqual } from "../../lib/crypto";
import type { AdminEnv } from "./context";

/**
 * Tenant scoping for every `/t/:tenantId/...` page: a tenant user sees only its own
 * tenant; an operator may look at any tenant, read-only ("impersonate read-only").
 * Sets `tenantId` and `canWrite` for the handlers. Every query must use `c.get("tenantId")`.
 */
export const tenantAccess: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const user = c.get("user");
  const tenantId = c.req.param("tenantId");
  if (!tenantId) throw new HTTPException(404, { message: "Page not found" });
  const own = user.tenantId === tenantId;
  if (!own && user.role !== "operator") throw new HTTPException(404, { message: "Page not found" });
  const tenant = await c.var.db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { id: true, name: true } });
  if (!tenant) throw new HTTPException(404, { message: "Page not found" });
  c.set("tenantId", tenantId);
  c.set("log", c.var.log.with({ tenant: tenantId }));
  c.set("canWrite", own && user.role === "tenant_admin");
  c.set("tenantHeader", { id: tenant.id, name: tenant.name, readOnly: !(own && user.role === "tenant_admin") });
  await next();
};

/** Changes need a tenant admin of this tenant (viewers and impersonating operators are read-only). */
export const requireWrite: MiddlewareHandler<AdminEnv> = async (c, next) => {
  if (!c.get("canWrite")) throw new HTTPException(403, { message: "Your role can view this page but not change it." });
  await next();
};

export const requireOperator: MiddlewareHandler<AdminEnv> = async (c, next) => {
  if (c.get("user").role !== "operator") throw new HTTPException(404, { message: "Page not found" });
  await next();
};

/**
 * CSRF: every unsafe request of a signed-in user must carry the session's token, as the
 * `csrf` form field (see `CsrfField`) or the `x-csrf-token` header (progressive-enhancement
 * fetches). Runs after `requireSession`; the app-wide origin check stays as a second layer.
 */
export const verifyCsrf: MiddlewareHandler<AdminEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  let sent = c.req.header("x-csrf-token");
  if (!sent) {
    const type = c.req.header("content-type") ?? "";
    if (type.includes("form")) {
      const body = await c.req.parseBody();
      sent = typeof body.csrf === "string" ? body.csrf : undefined;
    }
  }
  if (!sent || !timingSafeEqual(sent, c.get("csrfToken"))) {
    throw new HTTPException(403, { message: "This form has expired. Reload the page and try again." });
  }
  await next();
};
