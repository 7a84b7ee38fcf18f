import { z } from "zod";
import { badRequest } from "./errors";
import { isObject, type Json, type JsonObject } from "./json";

/** CW's PATCH body: a JSON array of `{op, path, value}`; only add, replace and remove. */
const patchBodySchema = z.array(z.object({ op: z.string(), path: z.string(), value: z.unknown().optional() }));
export type PatchOperation = z.infer<typeof patchBodySchema>[number];

/** Both `status` (the guide's form) and `/status` (JSON Pointer) are accepted. */
export function splitPath(path: string): string[] {
  return path
    .replace(/^\//, "")
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function parsePatchBody(body: unknown): PatchOperation[] {
  const parsed = patchBodySchema.safeParse(body);
  if (!parsed.success) throw badRequest("The request body must be a JSON array of patch operations ({op, path, value}).");
  for (const op of parsed.data) {
    const name = op.op.toLowerCase();
    if (name !== "add" && name !== "replace" && name !== "remove") {
      throw badRequest(`Patch operation '${op.op}' is not supported. Supported operations are add, replace and remove.`);
    }
    if (name !== "remove" && op.value === undefined) throw badRequest(`Patch operation '${op.op}' on '${op.path}' requires a value.`);
    if (splitPath(op.path).some((s) => s === "")) throw badRequest(`Invalid patch path '${op.path}'.`);
  }
  return parsed.data;
}

/**
 * Applies the operations to a copy of `doc`. Top-level names must pass `writable`
 * (paths are case-sensitive, as CW's are); intermediate objects are created so that
 * `/status/id` works on a ticket without a status.
 */
export function applyPatch(doc: JsonObject, ops: PatchOperation[], writable: (field: string) => boolean): JsonObject {
  const copy = structuredClone(doc);
  for (const op of ops) {
    const path = splitPath(op.path);
    if (!writable(path[0]!)) throw badRequest(`Cannot find a writable field '${path[0]}' for path '${op.path}'.`);
    let parent: Json = copy;
    for (const segment of path.slice(0, -1)) {
      if (Array.isArray(parent)) parent = parent[Number(segment)] ?? null;
      else if (isObject(parent)) {
        const child: Json | undefined = parent[segment];
        parent = isObject(child) || Array.isArray(child) ? child : (parent[segment] = {});
      }
      if (!isObject(parent) && !Array.isArray(parent)) throw badRequest(`Invalid patch path '${op.path}'.`);
    }
    const last = path[path.length - 1]!;
    const value = (op.value ?? null) as Json;
    const name = op.op.toLowerCase();
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) throw badRequest(`Invalid array index in '${op.path}'.`);
      if (name === "remove") parent.splice(index, 1);
      else if (name === "add") parent.splice(index, 0, value);
      else parent[index] = value;
    } else if (isObject(parent)) {
      if (name === "remove") delete parent[last];
      else parent[last] = value;
    }
  }
  return copy;
}
