import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { validationHook } from "../lib/validation";
import { bearerAuth, type ApiEnv } from "./shared/api/auth";
import { configurationApi } from "./configuration/api";
import { apiNotFound, apiOnError } from "./shared/api/errors";
import { monitoringApi } from "./monitoring/api";
import { API_BASE, documentConfig } from "./shared/api/openapi";
import { problem } from "./shared/api/problem";
import { tasksApi } from "./tasks/api";

export { API_BASE } from "./shared/api/openapi";

/** Largest JSON body the API reads, in bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * /api/v1: the admin utility's configuration and tasks as JSON, per-tenant bearer tokens.
 * Its own app (app.tsx mounts it), so its not-found and error handlers answer every
 * request under /api/v1 with problem details.
 */
export const apiRoutes = new OpenAPIHono<ApiEnv>({
  defaultHook: validationHook((c, errors) => problem(c, 400, "Invalid input", { errors })),
});

apiRoutes.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "An API token from the admin utility (API tokens)",
});
apiRoutes.doc31("/openapi.json", (c) => documentConfig(new URL(API_BASE, c.req.url).toString()));
apiRoutes.use("*", bearerAuth);
apiRoutes.use("*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => problem(c, 413, "Body too large", { detail: `At most ${MAX_BODY_BYTES} bytes.` }) }));
apiRoutes.route("/", monitoringApi);
apiRoutes.route("/", configurationApi);
apiRoutes.route("/", tasksApi);
apiRoutes.notFound(apiNotFound(apiRoutes.routes));
apiRoutes.onError(apiOnError);
