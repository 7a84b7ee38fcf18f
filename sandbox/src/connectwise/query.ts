import type { Context } from "hono";
import { ConditionError, evaluate, parseConditions, type Condition } from "./conditions";
import { badRequest, cwJson } from "./errors";
import { isObject, readPath, stripNulls, type Json, type JsonObject } from "./json";

/** `conditions` filter; malformed expressions become CW's 400. */
function filterRecords(records: JsonObject[], conditions: string | undefined): JsonObject[] {
  if (!conditions?.trim()) return records;
  try {
    const node = parseConditions(conditions);
    return records.filter((r) => evaluate(node, r));
  } catch (err) {
    if (err instanceof ConditionError) throw badRequest(err.message);
    throw err;
  }
}

type SortKey = { path: string[]; desc: boolean };

function parseOrderBy(orderBy: string): SortKey[] {
  return orderBy
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([A-Za-z_][\w/]*)(?:\s+(asc|desc))?$/i.exec(part);
      if (!m) throw badRequest(`Invalid orderBy clause '${part}'. Use a field name followed by asc or desc.`);
      const path = m[1]!.split("/");
      // `lastUpdated` sorts by `_info/lastUpdated`, as it filters.
      const aliased = path.length === 1 && /^(lastUpdated|dateEntered)$/i.test(path[0]!) ? ["_info", path[0]!] : path;
      return { path: aliased, desc: m[2]?.toLowerCase() === "desc" };
    });
}

function sortValue(v: Json | undefined): number | string | null {
  if (v == null || isObject(v) || Array.isArray(v)) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return typeof v === "string" ? v.toLowerCase() : v;
}

/** Nulls sort first ascending, as SQL Server does. Ties keep id order. */
function sortRecords(records: JsonObject[], orderBy: string | undefined): JsonObject[] {
  const keys = orderBy ? parseOrderBy(orderBy) : [];
  keys.push({ path: ["id"], desc: false });
  return [...records].sort((a, b) => {
    for (const key of keys) {
      const x = sortValue(readPath(a, key.path));
      const y = sortValue(readPath(b, key.path));
      if (x === y) continue;
      const diff = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return key.desc ? -diff : diff;
    }
    return 0;
  });
}

/** Partial response: `fields=id,summary,status/name`. */
export function projectFields(record: JsonObject, fields: string | undefined): JsonObject {
  if (!fields?.trim()) return record;
  const out: JsonObject = {};
  for (const field of fields
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean)) {
    const path = field.split("/");
    const value = readPath(record, path);
    if (value === undefined) continue;
    let target = out;
    path.slice(0, -1).forEach((segment) => {
      const next = target[segment];
      target = isObject(next) ? next : (target[segment] = {});
    });
    target[path[path.length - 1]!] = value;
  }
  return out;
}

function pageNumber(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`The ${name} parameter must be an integer.`);
  return Number(raw);
}

function linkTo(url: URL, params: Record<string, string>, drop: string[]): string {
  const next = new URL(url);
  for (const d of drop) next.searchParams.delete(d);
  for (const [k, v] of Object.entries(params)) next.searchParams.set(k, v);
  return next.toString();
}

/**
 * Runs the list pipeline CW applies to every collection: conditions, orderBy, paging and
 * fields. Navigable paging (page/pageSize, Link first/prev/next/last) by default;
 * `pagination-type: forward-only` pages by `id > pageId` and links only to the next page.
 */
export function listResponse(c: Context, records: JsonObject[]): Response {
  const q = c.req.query();
  const url = new URL(c.req.url);
  const filtered = filterRecords(records, q.conditions);
  let pageSize = pageNumber(q.pageSize, 25, "pageSize");
  if (pageSize < 1) pageSize = 25;
  pageSize = Math.min(pageSize, 1000); // CW caps silently at 1000
  const links: string[] = [];
  let page: JsonObject[];

  if ((c.req.header("pagination-type") ?? "").toLowerCase() === "forward-only") {
    const pageId = pageNumber(q.pageId, 0, "pageId");
    const after = sortRecords(filtered, undefined).filter((r) => typeof r.id === "number" && r.id > pageId);
    page = after.slice(0, pageSize);
    const last = page[page.length - 1];
    if (after.length > pageSize && last) links.push(`<${linkTo(url, { pageId: String(last.id), pageSize: String(pageSize) }, ["page"])}>; rel="next"`);
  } else {
    const pageNo = Math.max(1, pageNumber(q.page, 1, "page"));
    const sorted = sortRecords(filtered, q.orderBy);
    const lastPage = Math.max(1, Math.ceil(sorted.length / pageSize));
    page = sorted.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    const at = (n: number) => linkTo(url, { pageSize: String(pageSize), page: String(n) }, ["pageId"]);
    if (pageNo > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(Math.min(pageNo - 1, lastPage))}>; rel="prev"`);
    if (pageNo < lastPage) links.push(`<${at(pageNo + 1)}>; rel="next"`, `<${at(lastPage)}>; rel="last"`);
  }
  const body = page.map((r) => projectFields(stripNulls(r), q.fields));
  return cwJson(c, body, 200, links.length ? { Link: links.join(", ") } : {});
}

export function countResponse(c: Context, records: JsonObject[]): Response {
  return cwJson(c, { count: filterRecords(records, c.req.query("conditions")).length });
}

/**
 * A literal externalXRef prefix every matching record must have, when the conditions
 * are an AND chain with an `externalXRef = "…"` or `externalXRef like "…*"` term; null
 * otherwise. Lets a list read only those rows from SQLite: the full conditions still run
 * on them, so this only narrows the search (case-insensitively, a superset), never the result.
 */
export function externalXRefPrefix(conditions: string | undefined): string | null {
  if (!conditions) return null;
  let root: Condition;
  try {
    root = parseConditions(conditions);
  } catch {
    return null; // the full evaluation reports the error
  }
  const terms: Condition[] = [];
  const walk = (node: Condition): void => {
    if (node.type === "and") {
      walk(node.left);
      walk(node.right);
    } else terms.push(node);
  };
  walk(root);
  for (const term of terms) {
    if (!("path" in term) || term.path.length !== 1 || term.path[0]!.toLowerCase() !== "externalxref") continue;
    if (term.type === "compare" && term.op === "=" && term.value.kind === "string") return term.value.value;
    if (term.type === "like") return term.value.split(/[*%]|\[\[\]/)[0]!;
  }
  return null;
}
