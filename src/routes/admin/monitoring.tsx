import { Hono } from "hono";
import { Layout } from "../../views/layout";
import type { AdminEnv } from "./session";

/** Monitoring pages under /t/:tenantId: dashboard, tickets and timelines, runs, failures, audit log. */
export const monitoringPages = new Hono<AdminEnv>();

monitoringPages.get("/", (c) => {
  const tenant = c.get("tenantHeader");
  return c.html(
    <Layout title="Dashboard" user={c.get("user")} csrfToken={c.get("csrfToken")} tenant={tenant} active="">
      <h1>{tenant.name}</h1>
    </Layout>,
  );
});
