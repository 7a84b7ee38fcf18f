import { z } from "zod";
import type { Context, Hono } from "hono";
import { apiActor, stampCreated, stampUpdated, type Actor, type CwContext } from "./context";
import { badRequest, cwRecord, invalidObject, notFound } from "./errors";
import { applyPatch, parsePatchBody, splitPath } from "./json-patch";
import { isObject, type JsonObject } from "./json";
import { createNote } from "./notes";
import { countResponse, externalXRefPrefix, listResponse, projectFields } from "./query";
import { parseId, readJson, refInput, resolveStatus } from "./refs";
import { buildTicket, PATCHABLE, REFERENCE_FIELDS, serializeTicket, ticketInput, writableView } from "./ticket-model";
import { parseWith } from "./validation";

/**
 * Creates a ticket as CW does: `initialDescription` (and the internal/resolution variants)
 * become its first notes and are never stored on the ticket itself.
 */
export function createTicket(ctx: CwContext, body: unknown, actor: Actor): JsonObject {
  const input = parseWith(ticketInput, "ticket", body);
  const now = ctx.now();
  const data = buildTicket(ctx.store, input, null, now, actor.member.identifier);
  const doc = ctx.store.insert("cw_tickets", { ...data, _info: stampCreated(now, actor.member) });
  const ticketId = doc.id as number;
  const initial: [string | undefined, "detailDescriptionFlag" | "internalAnalysisFlag" | "resolutionFlag"][] = [
    [input.initialDescription, "detailDescriptionFlag"],
    [input.initialInternalAnalysis, "internalAnalysisFlag"],
    [input.initialResolution, "resolutionFlag"],
  ];
  for (const [text, flag] of initial) {
    if (text?.trim()) createNote(ctx, ticketId, { text, [flag]: true }, actor, false);
  }
  ctx.events.ticketChanged(ticketId, "added", actor, { skipCallback: input.skipCallback });
  return ctx.store.get("cw_tickets", ticketId) ?? doc;
}

const mergeInput = z.object({ mergeTicketIds: z.array(z.number().int().positive()).min(1).max(100), status: refInput });

export function mountTickets(app: Hono, ctx: CwContext): void {
  const { store } = ctx;
  // Lookups by externalXRef (how integrations find their tickets) read only the rows that can match.
  const all = (c: Context) => {
    const prefix = externalXRefPrefix(c.req.query("conditions"));
    const docs = prefix === null ? store.list("cw_tickets") : store.listByXRefPrefix(prefix);
    return docs.map((t) => serializeTicket(t, apiActor(c).site));
  };
  const load = (raw: string | undefined) => {
    const id = parseId(raw ?? "");
    const doc = store.get("cw_tickets", id);
    if (!doc) throw notFound("Ticket", id);
    return doc;
  };

  app.get("/service/tickets", (c) => listResponse(c, all(c)));
  app.get("/service/tickets/count", (c) => countResponse(c, all(c)));
  app.get("/service/tickets/:id{[0-9]+}", (c) => cwRecord(c, projectFields(serializeTicket(load(c.req.param("id")), apiActor(c).site), c.req.query("fields"))));
  app.post("/service/tickets", async (c) => {
    const actor = apiActor(c);
    const doc = createTicket(ctx, await readJson(c), actor);
    return cwRecord(c, projectFields(serializeTicket(doc, actor.site), c.req.query("fields")), 201);
  });

  /** PUT and PATCH both end here: the full writable ticket is re-validated and rebuilt. */
  const replace = (existing: JsonObject, body: unknown, actor: Actor): JsonObject => {
    const input = parseWith(ticketInput, "ticket", body);
    const now = ctx.now();
    const data = buildTicket(store, input, existing, now, actor.member.identifier);
    // Read-only fields a write never touches (`mergedParentTicket`) stay as they are.
    const merged: JsonObject = existing.mergedParentTicket ? { mergedParentTicket: existing.mergedParentTicket } : {};
    const doc = store.update("cw_tickets", existing.id as number, { ...data, ...merged, _info: stampUpdated(existing, now, actor.member) });
    ctx.events.ticketChanged(doc.id as number, "updated", actor, { skipCallback: input.skipCallback });
    return doc;
  };
  app.put("/service/tickets/:id{[0-9]+}", async (c) => {
    const actor = apiActor(c);
    const doc = replace(load(c.req.param("id")), await readJson(c), actor);
    return cwRecord(c, serializeTicket(doc, actor.site));
  });
  app.patch("/service/tickets/:id{[0-9]+}", async (c) => {
    const actor = apiActor(c);
    const existing = load(c.req.param("id"));
    const ops = parsePatchBody(await readJson(c));
    const patched = applyPatch(writableView(existing), ops, (f) => PATCHABLE.has(f));
    // `/status/name` must not keep the old id: a nested edit names the new reference alone.
    for (const op of ops) {
      const [field, key] = splitPath(op.path);
      if (!field || !key || !REFERENCE_FIELDS.has(field) || op.op.toLowerCase() === "remove") continue;
      const current = patched[field];
      patched[field] = { [key]: isObject(current) ? (current[key] ?? null) : null };
    }
    return cwRecord(c, serializeTicket(replace(existing, patched, actor), actor.site));
  });
  /**
   * Merge (`POST /service/tickets/{parentId}/merge`, `{mergeTicketIds, status}`), as CW
   * does it: each child gets `mergedParentTicket` and the given status, which must be a
   * closed one of its board, so it is closed; the parent stays as it is. (Whether CW also
   * copies the children's notes to the parent is not documented in our sources: it is not
   * modelled, and psa-sync does not rely on either.)
   */
  app.post("/service/tickets/:id{[0-9]+}/merge", async (c) => {
    const actor = apiActor(c);
    const parent = load(c.req.param("id"));
    const input = parseWith(mergeInput, "ticketMerge", await readJson(c));
    const children = input.mergeTicketIds.map((id) => {
      if (id === parent.id) throw badRequest("A ticket cannot be merged into itself.");
      return load(String(id));
    });
    const now = ctx.now();
    for (const child of children) {
      const boardId = isObject(child.board) && typeof child.board.id === "number" ? child.board.id : -1;
      const status = resolveStatus(store, boardId, input.status, "ticketMerge");
      if (!status.closed)
        throw invalidObject("ticketMerge", [
          { code: "InvalidStatus", message: "The status for merged tickets must be a closed status of their board.", field: "status" },
        ]);
      store.update("cw_tickets", child.id as number, {
        ...child,
        status: status.ref,
        closedFlag: true,
        closedDate: now,
        closedBy: actor.member.identifier,
        mergedParentTicket: { id: parent.id ?? null, summary: parent.summary ?? null },
        _info: stampUpdated(child, now, actor.member),
      });
      ctx.events.ticketChanged(child.id as number, "updated", actor, {});
    }
    return c.json({ success: true });
  });
  app.delete("/service/tickets/:id{[0-9]+}", (c) => {
    const actor = apiActor(c);
    const doc = load(c.req.param("id"));
    const id = doc.id as number;
    store.remove("cw_tickets", id);
    store.removeChildren("cw_notes", id);
    store.unlink(id);
    ctx.events.ticketChanged(id, "deleted", actor, { deleted: doc });
    return c.body(null, 204);
  });
}
