import type { Hono } from "hono";
import { z } from "zod";
import { apiActor, apiBase, type CwContext } from "./context";
import { cwRecord, invalidObject, notFound } from "./errors";
import type { JsonObject } from "./json";
import { countResponse, listResponse } from "./query";
import { parseId, readJson } from "./refs";
import { parseWith } from "./validation";

/** Attach by `{id}` (or `{deviceIdentifier}`), as the ConfigurationReference body allows. */
const linkInput = z.object({ id: z.number().int().optional(), deviceIdentifier: z.string().optional() });

function reference(config: JsonObject, site: string): JsonObject {
  return {
    id: config.id ?? null,
    deviceIdentifier: config.deviceIdentifier ?? null,
    _info: { configuration_href: `${apiBase(site)}/company/configurations/${String(config.id)}` },
  };
}

export function mountTicketConfigurations(app: Hono, ctx: CwContext): void {
  const { store } = ctx;
  const path = "/service/tickets/:parentId{[0-9]+}/configurations";
  const ticketId = (raw: string | undefined) => {
    const id = parseId(raw ?? "");
    if (!store.get("cw_tickets", id)) throw notFound("Ticket", id);
    return id;
  };
  const linked = (id: number, site: string) =>
    store
      .linkedConfigurationIds(id)
      .map((cid) => store.get("cw_configurations", cid))
      .filter((c): c is JsonObject => c !== null)
      .map((c) => reference(c, site));

  app.get(path, (c) => listResponse(c, linked(ticketId(c.req.param("parentId")), apiActor(c).site)));
  app.get(`${path}/count`, (c) => countResponse(c, linked(ticketId(c.req.param("parentId")), apiActor(c).site)));
  app.get(`${path}/:id{[0-9]+}`, (c) => {
    const id = ticketId(c.req.param("parentId"));
    const configId = parseId(c.req.param("id"));
    const found = linked(id, apiActor(c).site).find((r) => r.id === configId);
    if (!found) throw notFound("Configuration", configId);
    return cwRecord(c, found);
  });
  app.post(path, async (c) => {
    const id = ticketId(c.req.param("parentId"));
    const input = parseWith(linkInput, "configurationReference", await readJson(c));
    const config =
      input.id !== undefined
        ? store.get("cw_configurations", input.id)
        : (store.list("cw_configurations").find((cfg) => input.deviceIdentifier !== undefined && cfg.deviceIdentifier === input.deviceIdentifier) ?? null);
    if (!config) {
      throw invalidObject("configurationReference", [
        { code: "InvalidField", message: `Configuration ${String(input.id ?? input.deviceIdentifier)} was not found.`, field: "id" },
      ]);
    }
    if (!store.link(id, config.id as number)) {
      throw invalidObject("configurationReference", [{ code: "ObjectExists", message: "The configuration is already attached to this ticket.", field: "id" }]);
    }
    return cwRecord(c, reference(config, apiActor(c).site), 201);
  });
  app.delete(`${path}/:id{[0-9]+}`, (c) => {
    const id = ticketId(c.req.param("parentId"));
    const configId = parseId(c.req.param("id"));
    if (!store.unlink(id, configId)) throw notFound("Configuration", configId);
    return c.body(null, 204);
  });
}
