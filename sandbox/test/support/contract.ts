import { Validator, type Schema } from "@cfworker/json-schema";
import { openapiSchemaToJsonSchema } from "@openapi-contrib/openapi-schema-to-json-schema";
import connectwiseDoc from "../contracts/connectwise.openapi.json";
import zendeskDoc from "../contracts/zendesk.openapi.json";

/**
 * Validates emulator responses against the reference OpenAPI subsets (trimmed copies of the
 * vendors' published documents in sandbox/test/contracts/), with a JSON-schema validator that runs inside workerd (no eval).
 */
type OpenApiResponse = { $ref?: string; content?: Record<string, { schema?: unknown }> };
type OpenApiDoc = {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>;
  components?: { schemas?: Record<string, unknown>; responses?: Record<string, OpenApiResponse> };
};

const roots = new Map<OpenApiDoc, Record<string, unknown>>();

function rootFor(doc: OpenApiDoc): Record<string, unknown> {
  let root = roots.get(doc);
  if (!root) {
    const schemas: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      schemas[name] = openapiSchemaToJsonSchema(schema as object, { keepNotSupported: ["readOnly", "writeOnly"] as never });
    }
    root = { components: { schemas } };
    roots.set(doc, root);
  }
  return root;
}

function responseSchema(doc: OpenApiDoc, method: string, path: string, status: number): unknown {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`No operation ${method} ${path} in the contract`);
  let response = op.responses?.[String(status)] ?? op.responses?.default;
  // Shared responses (401, 404, 429…) are `$ref`s to components.responses.
  if (response?.$ref) response = doc.components?.responses?.[response.$ref.replace("#/components/responses/", "")];
  if (!response) throw new Error(`No ${status} response for ${method} ${path} in the contract`);
  const media = Object.values(response.content ?? {})[0];
  if (!media?.schema) throw new Error(`No schema for ${status} ${method} ${path}`);
  return openapiSchemaToJsonSchema(media.schema as object);
}

export type ContractResult = { valid: true } | { valid: false; errors: string[] };

function validate(doc: OpenApiDoc, method: string, path: string, status: number, body: unknown): ContractResult {
  const schema = { ...rootFor(doc), ...(responseSchema(doc, method, path, status) as object) } as Schema;
  const result = new Validator(schema, "2019-09", false).validate(body);
  if (result.valid) return { valid: true };
  return { valid: false, errors: result.errors.map((e) => `${e.instanceLocation}: ${e.error}`) };
}

/** `path` is the contract's template, e.g. `/service/tickets/{id}`. */
export const connectwiseContract = (method: string, path: string, status: number, body: unknown) =>
  validate(connectwiseDoc as unknown as OpenApiDoc, method, path, status, body);

/** `path` is the contract's template, e.g. `/api/v2/requests/{request_id}`. */
export const zendeskContract = (method: string, path: string, status: number, body: unknown) =>
  validate(zendeskDoc as unknown as OpenApiDoc, method, path, status, body);
