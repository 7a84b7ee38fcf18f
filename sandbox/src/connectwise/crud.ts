import type { Context, Hono } from "hono";
import type { z } from "zod";
import { apiActor, stampCreated, stampUpdated, type CwContext } from "./context";
import { CwError, cwRecord, notFound } from "./errors";
import { applyPatch, parsePatchBody } from "./json-patch";
import type { JsonObject } from "./json";
import { countResponse, listResponse, projectFields } from "./query";
import { parseId, readJson } from "./refs";
import type { DocTable } from "./store";
import { parseWith } from "./validation";

/** How one catalog resource is stored, validated and shown. */
export interface ResourceSpec {
  table: DocTable;
  /** For 404 messages: `Board 9 not found`. */
  entity: string;
  /** For 400 messages: `board object is invalid`. */
  resource: string;
  schema: z.ZodType<Record<string, unknown>>;
  /** Resolves references and fills defaults; throws CwError on invalid input. */
  prepare(input: JsonObject, parentId: number | undefined, existing: JsonObject | undefined): JsonObject;
  /** Adds hrefs for the response. */
  serialize(doc: JsonObject, site: string): JsonObject;
  /** Called before a delete; throw to refuse it. */
  beforeDelete?(id: number): void;
  parent?: { table: DocTable; entity: string };
}

const READ_ONLY = new Set(["id", "_info"]);

/** Mounts GET list/count/by id, POST, PUT, PATCH and DELETE for one resource at `path`. */
export function mountCrud(app: Hono, path: string, spec: ResourceSpec, ctx: CwContext): void {
  const { store } = ctx;
  const parentOf = (c: Context): number | undefined => {
    if (!spec.parent) return undefined;
    const parentId = parseId(c.req.param("parentId") ?? "");
    if (!store.get(spec.parent.table, parentId)) throw notFound(spec.parent.entity, parentId);
    return parentId;
  };
  const load = (c: Context): { doc: JsonObject; parentId: number | undefined } => {
    const parentId = parentOf(c);
    const id = parseId(c.req.param("id") ?? "");
    const doc = store.get(spec.table, id, parentId);
    if (!doc) throw notFound(spec.entity, id);
    return { doc, parentId };
  };
  const all = (c: Context) => {
    const site = apiActor(c).site;
    return store.list(spec.table, parentOf(c)).map((d) => spec.serialize(d, site));
  };
  const input = (body: unknown): JsonObject => parseWith(spec.schema, spec.resource, body) as JsonObject;

  app.get(path, (c) => listResponse(c, all(c)));
  app.get(`${path}/count`, (c) => countResponse(c, all(c)));
  app.get(`${path}/:id{[0-9]+}`, (c) => cwRecord(c, projectFields(spec.serialize(load(c).doc, apiActor(c).site), c.req.query("fields"))));

  app.post(path, async (c) => {
    const parentId = parentOf(c);
    const actor = apiActor(c);
    const data = spec.prepare(input(await readJson(c)), parentId, undefined);
    const doc = store.insert(spec.table, { ...data, _info: stampCreated(ctx.now(), actor.member) }, parentId ?? null);
    return cwRecord(c, spec.serialize(doc, actor.site), 201);
  });

  const replace = (c: Context, existing: JsonObject, next: JsonObject, parentId: number | undefined) => {
    const actor = apiActor(c);
    const data = spec.prepare(input(next), parentId, existing);
    const doc = store.update(spec.table, existing.id as number, { ...data, _info: stampUpdated(existing, ctx.now(), actor.member) });
    return cwRecord(c, spec.serialize(doc, actor.site));
  };
  app.put(`${path}/:id{[0-9]+}`, async (c) => {
    const { doc, parentId } = load(c);
    return replace(c, doc, (await readJson(c)) as JsonObject, parentId);
  });
  app.patch(`${path}/:id{[0-9]+}`, async (c) => {
    const { doc, parentId } = load(c);
    const ops = parsePatchBody(await readJson(c));
    const { id: _id, _info: _ignored, ...current } = doc;
    return replace(
      c,
      doc,
      applyPatch(current, ops, (field) => !READ_ONLY.has(field)),
      parentId,
    );
  });
  app.delete(`${path}/:id{[0-9]+}`, (c) => {
    const { doc } = load(c);
    spec.beforeDelete?.(doc.id as number);
    if (!store.remove(spec.table, doc.id as number)) throw new CwError(404, { code: "NotFound", message: `${spec.entity} ${String(doc.id)} not found` });
    return c.body(null, 204);
  });
}
