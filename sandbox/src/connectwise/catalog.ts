import type { Hono } from "hono";
import { z } from "zod";
import { apiBase, refWithHref, type CwContext } from "./context";
import { mountCrud, type ResourceSpec } from "./crud";
import { invalidObject } from "./errors";
import { isObject, type JsonObject } from "./json";
import { refInput, resolveCompany } from "./refs";

/** Fixed lookup lists the emulator does not expose as resources. */
export const CONFIGURATION_TYPES = [
  { id: 1, name: "Easy Connect Cluster" },
  { id: 2, name: "Managed Server" },
] as const;
export const CONFIGURATION_STATUSES = [
  { id: 1, name: "Active" },
  { id: 2, name: "Inactive" },
] as const;
const ACTIVE_COMPANY_STATUS = { id: 1, name: "Active" };

const asRef = (v: unknown): JsonObject | null => (isObject(v) ? v : null);
const idOf = (v: unknown): number | null => (isObject(v) && typeof v.id === "number" ? v.id : null);

function lookup(list: readonly { id: number; name: string }[], ref: unknown, resource: string, field: string): JsonObject {
  const parsed = refInput.safeParse(ref);
  const found = parsed.success ? list.find((t) => t.id === parsed.data.id || t.name.toLowerCase() === parsed.data.name?.toLowerCase()) : undefined;
  if (!found) throw invalidObject(resource, [{ code: "InvalidField", message: `The ${field} is not valid.`, field }]);
  return { ...found };
}

function catalogSpecs(ctx: CwContext) {
  const { store } = ctx;
  const companies: ResourceSpec = {
    table: "cw_companies",
    entity: "Company",
    resource: "company",
    schema: z.looseObject({ identifier: z.string().min(1).max(25), name: z.string().min(1).max(50), deletedFlag: z.boolean().optional() }),
    prepare: (input) => ({ status: ACTIVE_COMPANY_STATUS, deletedFlag: false, types: [], ...input }),
    serialize: (doc, site) => {
      const base = apiBase(site);
      return {
        ...doc,
        status: refWithHref(asRef(doc.status), "status", `${base}/company/companies/statuses/${String(idOf(doc.status))}`),
        _info: {
          ...(asRef(doc._info) ?? {}),
          contacts_href: `${base}/company/contacts?conditions=company/id=${String(doc.id)}`,
          sites_href: `${base}/company/companies/${String(doc.id)}/sites`,
        },
      };
    },
  };
  const configurations: ResourceSpec = {
    table: "cw_configurations",
    entity: "Configuration",
    resource: "configuration",
    schema: z.looseObject({
      name: z.string().min(1).max(100),
      type: refInput,
      company: refInput,
      status: refInput.optional(),
      serialNumber: z.string().max(250).nullable().optional(),
      tagNumber: z.string().max(50).nullable().optional(),
      deviceIdentifier: z.string().max(100).nullable().optional(),
    }),
    prepare: (input) => ({
      activeFlag: true,
      ...input,
      company: resolveCompany(store, refInput.parse(input.company), "configuration"),
      type: lookup(CONFIGURATION_TYPES, input.type, "configuration", "type"),
      status: input.status === undefined ? { ...CONFIGURATION_STATUSES[0] } : lookup(CONFIGURATION_STATUSES, input.status, "configuration", "status"),
    }),
    serialize: (doc, site) => {
      const base = apiBase(site);
      return {
        ...doc,
        company: refWithHref(asRef(doc.company), "company", `${base}/company/companies/${String(idOf(doc.company))}`),
        type: refWithHref(asRef(doc.type), "type", `${base}/company/configurations/types/${String(idOf(doc.type))}`),
        status: refWithHref(asRef(doc.status), "status", `${base}/company/configurations/statuses/${String(idOf(doc.status))}`),
      };
    },
  };
  const priorities: ResourceSpec = {
    table: "cw_priorities",
    entity: "Priority",
    resource: "priority",
    schema: z.looseObject({
      name: z.string().min(1).max(50),
      color: z.enum(["Black", "Blue", "Cyan", "Gray", "Green", "Lime", "Orange", "Pink", "Purple", "Red", "White", "Yellow", "Custom"]),
      level: z.enum(["Critical", "High", "Medium", "Low"]).optional(),
      sortOrder: z.number().int().optional(),
      defaultFlag: z.boolean().optional(),
    }),
    prepare: (input) => ({ sortOrder: 0, defaultFlag: false, level: "Medium", ...input }),
    serialize: (doc) => doc,
  };
  const boards: ResourceSpec = {
    table: "cw_boards",
    entity: "Board",
    resource: "board",
    schema: z.looseObject({ name: z.string().min(1).max(50), location: refInput, department: refInput, inactiveFlag: z.boolean().optional() }),
    prepare: (input) => ({ inactiveFlag: false, projectFlag: false, ...input }),
    serialize: (doc, site) => {
      const base = apiBase(site);
      return {
        ...doc,
        location: refWithHref(asRef(doc.location), "location", `${base}/system/locations/${String(idOf(doc.location))}`),
        department: refWithHref(asRef(doc.department), "department", `${base}/system/departments/${String(idOf(doc.department))}`),
      };
    },
    beforeDelete: (id) => store.removeChildren("cw_statuses", id),
  };
  const statuses: ResourceSpec = {
    table: "cw_statuses",
    entity: "Status",
    resource: "boardStatus",
    parent: { table: "cw_boards", entity: "Board" },
    schema: z.looseObject({
      name: z.string().min(1).max(50),
      closedStatus: z.boolean().optional(),
      inactive: z.boolean().optional(),
      defaultFlag: z.boolean().optional(),
      sortOrder: z.number().int().optional(),
    }),
    prepare: (input, parentId) => {
      const board = parentId === undefined ? null : store.get("cw_boards", parentId);
      return {
        sortOrder: 0,
        displayOnBoard: true,
        inactive: false,
        closedStatus: false,
        defaultFlag: false,
        escalationStatus: "NoEscalation",
        ...input,
        board: { id: parentId ?? null, name: board?.name ?? null },
      };
    },
    serialize: (doc, site) => ({
      ...doc,
      board: refWithHref(asRef(doc.board), "board", `${apiBase(site)}/service/boards/${String(idOf(doc.board))}`),
    }),
  };
  return { companies, configurations, priorities, boards, statuses };
}

export function mountCatalog(app: Hono, ctx: CwContext): void {
  const specs = catalogSpecs(ctx);
  mountCrud(app, "/company/companies", specs.companies, ctx);
  mountCrud(app, "/company/configurations", specs.configurations, ctx);
  mountCrud(app, "/service/priorities", specs.priorities, ctx);
  mountCrud(app, "/service/boards", specs.boards, ctx);
  mountCrud(app, "/service/boards/:parentId{[0-9]+}/statuses", specs.statuses, ctx);
}
