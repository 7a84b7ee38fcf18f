import type { Context } from "hono";
import { createFactory } from "hono/factory";
import { createDb, type Db } from "../../db/client";
import type { Actor } from "../../domain/actor";
import { log, type Logger } from "../../lib/log";
import { validatorFor } from "../../lib/validation";

/** The signed-in user of a page (set by `requireSession`). */
interface SessionUser {
  id: string;
  email: string;
  role: "operator" | "tenant_admin" | "tenant_viewer";
  tenantId: string | null;
  tenantName: string | null;
  /** Operator-issued temporary password: every page but the change form is closed until changed. */
  mustChangePassword: boolean;
}

/**
 * What every request of a surface carries: `db` and `log` from the init middleware, once per
 * request; `actor` (who asks, for the audit log) from the sign-in that admits the request
 * (`requireSession` for pages, `bearerAuth` for the API), which also adds its ids to `log`.
 */
interface RequestVariables {
  db: Db;
  log: Logger;
  actor: Actor;
}

/** A form refused by a service or its validator, as its page re-renders it. */
export interface RefusedForm {
  errors: Record<string, string>;
  /** The posted fields (minus the CSRF token and secrets), to fill the form in again. */
  values: Record<string, string>;
}

export type AdminEnv = {
  Bindings: Env;
  Variables: RequestVariables & {
    user: SessionUser;
    csrfToken: string;
    sessionHash: string;
    /** The tenant a `/t/:tenantId` page is about (set by `tenantAccess`). */
    tenantId: string;
    /** Whether this user may change that tenant (tenant admin of it). */
    canWrite: boolean;
    /** The tenant navigation header of the layout. */
    tenantHeader: { id: string; name: string; readOnly: boolean };
    /** How the route's form page re-renders a refused form (set by `formPage`; read by the page error handler). */
    refill: (c: Context<AdminEnv>, form: RefusedForm) => Response | Promise<Response>;
  };
};

export type ApiEnv = {
  Bindings: Env;
  Variables: RequestVariables & { tenantId: string; tokenId: string; scope: "read" | "admin" };
};

/** The request's logger, or the plain one for an error raised before the init middleware ran (a refused CSRF origin, say). */
export const requestLog = (c: Context): Logger => (c.var as Partial<RequestVariables>).log ?? log;

/** The one init middleware: a D1 client and the logger on the context, once per request. */
function initRequest<E extends AdminEnv | ApiEnv>() {
  return createFactory<E>().createMiddleware(async (c, next) => {
    c.set("db", createDb(c.env.DB));
    c.set("log", log);
    await next();
  });
}

/** The admin pages' factory: its `createApp()` is the pages app, with the init middleware in front. */
export const pagesFactory = createFactory<AdminEnv>({ initApp: (app) => void app.use(initRequest<AdminEnv>()) });

/** The API's init middleware (its app is an OpenAPIHono, which the factory cannot create). */
export const apiInit = initRequest<ApiEnv>();

/** Validates a page's form, query or path params; an invalid one throws `FieldErrors` (the page error handler answers). */
export const validated = validatorFor<AdminEnv>();
