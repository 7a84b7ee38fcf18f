import { Hono } from "hono";
import { bearerAuth, type ApiEnv } from "./auth";
import { configurationApi } from "./configuration";
import { monitoringApi } from "./monitoring";
import { openApiDocument } from "./openapi";
import { problem } from "./problem";
import { tasksApi } from "./tasks";

/** /api/v1: the admin utility's configuration and tasks as JSON, per-tenant bearer tokens. */
export const apiRoutes = new Hono<ApiEnv>();

apiRoutes.get("/openapi.json", (c) => c.json(openApiDocument(new URL("/api/v1", c.req.url).toString())));
apiRoutes.use("*", bearerAuth);
apiRoutes.route("/", monitoringApi);
apiRoutes.route("/", configurationApi);
apiRoutes.route("/", tasksApi);
apiRoutes.notFound((c) => problem(c, 404, "Not Found", { detail: "No such API route; see /api/v1/openapi.json." }));
