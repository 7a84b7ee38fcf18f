import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { requireAdminScope, type ApiEnv } from "./auth";
import { problemResponses } from "./problem";

/** Where the API is mounted (app.tsx); `Location` headers and the document's server URL use it. */
export const API_BASE = "/api/v1";

/** The run a 202 started: where the caller follows it (GET /runs/{runId}). */
export const runLocation = (runId: string) => `${API_BASE}/runs/${encodeURIComponent(runId)}`;

/** `Location` of an accepted (202) task, documented on every operation that may answer 202. */
export const locationHeader = z
  .string()
  .openapi({ description: "Where to follow the run this request started (GET /runs/{runId})", example: `${API_BASE}/runs/3f2c…` });

type Scope = "read" | "admin";

/**
 * One /api/v1 operation: request and response schemas in one place, from which the route's
 * validation, its handler's response types and the OpenAPI document all come. Every
 * operation needs a bearer token; `admin` ones also the admin scope (`x-scope` says which).
 */
export function apiRoute<const R extends Omit<RouteConfig, "middleware" | "security"> & { operationId: string; summary: string }>(scope: Scope, route: R) {
  const middleware: MiddlewareHandler<ApiEnv>[] = scope === "admin" ? [requireAdminScope] : [];
  return createRoute({
    ...route,
    "x-scope": scope,
    security: [{ bearer: [] }],
    middleware,
    responses: { ...route.responses, ...problemResponses(401, 500), ...(scope === "admin" ? problemResponses(403) : {}) },
  });
}

/** The document's top-level parts; the paths come from the routes. */
export const documentConfig = (serverUrl: string) => ({
  openapi: "3.1.0",
  info: {
    title: "psa-sync config API",
    version: "1",
    description:
      "Per-tenant configuration and tasks. Bearer tokens are created in the admin utility (API tokens). Every error is application/problem+json (RFC 9457).",
  },
  servers: [{ url: serverUrl }],
  security: [{ bearer: [] }],
});

/** A JSON answer of an operation. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
