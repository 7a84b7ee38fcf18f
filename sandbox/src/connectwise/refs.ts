import type { Context } from "hono";
import { z } from "zod";
import { badRequest, invalidObject } from "./errors";
import type { JsonObject } from "./json";
import type { DocTable, Store } from "./store";

/** A reference on write: `{id}`, or `{name}` / `{identifier}` as many clients send. */
export const refInput = z.object({
  id: z.number().int().nullable().optional(),
  name: z.string().optional(),
  identifier: z.string().optional(),
});
export type RefInput = z.infer<typeof refInput>;

export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
}

export function parseId(raw: string): number {
  return Number(raw);
}

function find(store: Store, table: DocTable, ref: RefInput, parentId?: number): JsonObject | null {
  if (typeof ref.id === "number") return store.get(table, ref.id, parentId);
  const byName = (key: "name" | "identifier", wanted: string | undefined) =>
    wanted === undefined
      ? null
      : (store.list(table, parentId).find((d) => {
          const value = d[key];
          return typeof value === "string" && value.toLowerCase() === wanted.toLowerCase();
        }) ?? null);
  return byName("identifier", ref.identifier) ?? byName("name", ref.name);
}

function required(doc: JsonObject | null, resource: string, field: string, entity: string, ref: RefInput): JsonObject {
  if (doc) return doc;
  const wanted = ref.id ?? ref.identifier ?? ref.name ?? "(empty)";
  throw invalidObject(resource, [{ code: "InvalidField", message: `${entity} ${String(wanted)} was not found.`, field }]);
}

export function resolveCompany(store: Store, ref: RefInput, resource: string, field = "company"): JsonObject {
  const doc = required(find(store, "cw_companies", ref), resource, field, "Company", ref);
  return { id: doc.id ?? null, identifier: doc.identifier ?? null, name: doc.name ?? null };
}

export function resolveBoard(store: Store, ref: RefInput, resource: string): JsonObject {
  const doc = required(find(store, "cw_boards", ref), resource, "board", "Board", ref);
  return { id: doc.id ?? null, name: doc.name ?? null };
}

/** A status must belong to the ticket's board. */
export function resolveStatus(store: Store, boardId: number, ref: RefInput, resource: string): { ref: JsonObject; closed: boolean } {
  const doc = required(find(store, "cw_statuses", ref, boardId), resource, "status", "Status", ref);
  return { ref: { id: doc.id ?? null, name: doc.name ?? null, sort: doc.sortOrder ?? 0 }, closed: doc.closedStatus === true };
}

export function defaultStatus(store: Store, boardId: number): { ref: JsonObject; closed: boolean } | null {
  const statuses = store.list("cw_statuses", boardId).filter((s) => s.inactive !== true);
  const doc = statuses.find((s) => s.defaultFlag === true) ?? statuses[0];
  return doc ? { ref: { id: doc.id ?? null, name: doc.name ?? null, sort: doc.sortOrder ?? 0 }, closed: doc.closedStatus === true } : null;
}

export function resolvePriority(store: Store, ref: RefInput, resource: string): JsonObject {
  const doc = required(find(store, "cw_priorities", ref), resource, "priority", "Priority", ref);
  return priorityRef(doc);
}

export function priorityRef(doc: JsonObject): JsonObject {
  return { id: doc.id ?? null, name: doc.name ?? null, sort: doc.sortOrder ?? 0, level: doc.level ?? "Medium" };
}
