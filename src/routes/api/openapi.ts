import { z } from "zod";

/**
 * The OpenAPI document of /api/v1, built from the same zod schemas the routes validate
 * with: each route registers its operation next to its handler (see `validJson`).
 */
export interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path, e.g. "/tickets/{portalTicketId}" */
  path: string;
  summary: string;
  /** Token scope needed. */
  scope: "read" | "admin";
  body?: z.ZodType;
  response?: z.ZodType;
  query?: z.ZodObject;
}

const operations: Operation[] = [];

export function registerOperation(op: Operation): void {
  if (!operations.some((o) => o.method === op.method && o.path === op.path)) operations.push(op);
}

const problemSchema = {
  type: "object",
  required: ["type", "title", "status"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
  },
};

export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {
      "200": { description: "OK", content: op.response ? { "application/json": { schema: z.toJSONSchema(op.response, { io: "output", unrepresentable: "any" }) } } : undefined },
      "400": { description: "Invalid input (field-level errors)", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
      "401": { description: "Missing or invalid token" },
      "403": { description: `Needs a token with scope "${op.scope}"` },
    };
    const parameters = op.query
      ? Object.entries(z.toJSONSchema(op.query, { io: "input", unrepresentable: "any" }).properties ?? {}).map(([name, schema]) => ({ name, in: "query", schema }))
      : [];
    for (const [, name] of op.path.matchAll(/\{(\w+)\}/g)) parameters.push({ name: name!, in: "path", schema: { type: "string" } });
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      "x-scope": op.scope,
      parameters: parameters.length ? parameters : undefined,
      requestBody: op.body ? { required: true, content: { "application/json": { schema: z.toJSONSchema(op.body, { io: "input", unrepresentable: "any" }) } } } : undefined,
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "psa-sync config API", version: "1", description: "Per-tenant configuration and tasks. Bearer tokens are created in the admin utility (API tokens)." },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } }, schemas: { Problem: problemSchema } },
    security: [{ bearer: [] }],
    paths,
  };
}
