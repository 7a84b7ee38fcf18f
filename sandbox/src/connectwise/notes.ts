import type { Hono } from "hono";
import { z } from "zod";
import { apiActor, apiBase, refWithHref, stampUpdated, type Actor, type CwContext } from "./context";
import { cwRecord, invalidObject, notFound } from "./errors";
import { applyPatch, parsePatchBody } from "./json-patch";
import { isObject, type JsonObject } from "./json";
import { countResponse, listResponse, projectFields } from "./query";
import { parseId, readJson } from "./refs";
import { parseWith } from "./validation";

const noteInput = z.object({
  text: z.string().min(1),
  detailDescriptionFlag: z.boolean().nullable().optional(),
  internalAnalysisFlag: z.boolean().nullable().optional(),
  resolutionFlag: z.boolean().nullable().optional(),
  issueFlag: z.boolean().nullable().optional(),
  customerUpdatedFlag: z.boolean().nullable().optional(),
  // Accepted so mirrored notes can skip e-mails; the emulator sends none anyway.
  processNotifications: z.boolean().nullable().optional(),
});
export type NoteInput = z.infer<typeof noteInput>;
const PATCHABLE = new Set(Object.keys(noteInput.shape));

function buildNote(input: NoteInput): JsonObject {
  const detail = input.detailDescriptionFlag === true;
  const internal = input.internalAnalysisFlag === true;
  const resolution = input.resolutionFlag === true;
  if (!detail && !internal && !resolution) {
    throw invalidObject("serviceNote", [
      {
        code: "InvalidField",
        message: "At least one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.",
        field: "detailDescriptionFlag",
      },
    ]);
  }
  return {
    text: input.text,
    detailDescriptionFlag: detail,
    internalAnalysisFlag: internal,
    resolutionFlag: resolution,
    issueFlag: input.issueFlag === true,
    customerUpdatedFlag: input.customerUpdatedFlag === true,
    internalFlag: internal,
    externalFlag: detail || resolution,
  };
}

export function serializeNote(doc: JsonObject, site: string): JsonObject {
  const member = isObject(doc.member) ? doc.member : null;
  return { ...doc, member: refWithHref(member, "member", member ? `${apiBase(site)}/system/members/${String(member.id)}` : null) };
}

/** Any note change moves the ticket's `_info.lastUpdated`, which is how pollers find new notes. */
function touchTicket(ctx: CwContext, ticket: JsonObject, actor: Actor): void {
  ctx.store.update("cw_tickets", ticket.id as number, { ...ticket, _info: stampUpdated(ticket, ctx.now(), actor.member) });
}

function ticketOr404(ctx: CwContext, ticketId: number): JsonObject {
  const ticket = ctx.store.get("cw_tickets", ticketId);
  if (!ticket) throw notFound("Ticket", ticketId);
  return ticket;
}

/** Adds a note; ids come from one global sequence, so they only grow. `notify: false` while creating a ticket. */
export function createNote(ctx: CwContext, ticketId: number, input: NoteInput, actor: Actor, notify = true): JsonObject {
  const ticket = ticketOr404(ctx, ticketId);
  const now = ctx.now();
  const { id, identifier, name } = actor.member;
  const doc = ctx.store.insert(
    "cw_notes",
    {
      ticketId,
      ...buildNote(input),
      member: { id, identifier, name },
      dateCreated: now,
      createdBy: identifier,
      _info: { lastUpdated: now, updatedBy: identifier },
    },
    ticketId,
  );
  touchTicket(ctx, ticket, actor);
  if (notify) ctx.events.ticketChanged(ticketId, "updated", actor);
  return doc;
}

export function mountNotes(app: Hono, ctx: CwContext): void {
  const path = "/service/tickets/:parentId{[0-9]+}/notes";
  const { store } = ctx;
  const notesOf = (ticketId: number, site: string) => {
    ticketOr404(ctx, ticketId);
    return store.list("cw_notes", ticketId).map((n) => serializeNote(n, site));
  };
  const load = (ticketId: number, noteId: number) => {
    const ticket = ticketOr404(ctx, ticketId);
    const note = store.get("cw_notes", noteId, ticketId);
    if (!note) throw notFound("Note", noteId);
    return { ticket, note };
  };
  const ids = (p: { parentId?: string; id?: string }) => ({ ticketId: parseId(p.parentId ?? ""), noteId: parseId(p.id ?? "") });

  app.get(path, (c) => listResponse(c, notesOf(ids(c.req.param()).ticketId, apiActor(c).site)));
  app.get(`${path}/count`, (c) => countResponse(c, notesOf(ids(c.req.param()).ticketId, apiActor(c).site)));
  app.get(`${path}/:id{[0-9]+}`, (c) => {
    const { ticketId, noteId } = ids(c.req.param());
    return cwRecord(c, projectFields(serializeNote(load(ticketId, noteId).note, apiActor(c).site), c.req.query("fields")));
  });
  app.post(path, async (c) => {
    const { ticketId } = ids(c.req.param());
    ticketOr404(ctx, ticketId);
    const actor = apiActor(c);
    const input = parseWith(noteInput, "serviceNote", await readJson(c));
    return cwRecord(c, serializeNote(createNote(ctx, ticketId, input, actor), actor.site), 201);
  });

  const update = (ticket: JsonObject, note: JsonObject, input: NoteInput, actor: Actor) => {
    const doc = store.update("cw_notes", note.id as number, { ...note, ...buildNote(input), _info: stampUpdated(note, ctx.now(), actor.member) });
    touchTicket(ctx, ticket, actor);
    ctx.events.ticketChanged(ticket.id as number, "updated", actor);
    return doc;
  };
  app.put(`${path}/:id{[0-9]+}`, async (c) => {
    const { ticketId, noteId } = ids(c.req.param());
    const { ticket, note } = load(ticketId, noteId);
    const actor = apiActor(c);
    const input = parseWith(noteInput, "serviceNote", await readJson(c));
    return cwRecord(c, serializeNote(update(ticket, note, input, actor), actor.site));
  });
  app.patch(`${path}/:id{[0-9]+}`, async (c) => {
    const { ticketId, noteId } = ids(c.req.param());
    const { ticket, note } = load(ticketId, noteId);
    const actor = apiActor(c);
    const current: JsonObject = {};
    for (const key of PATCHABLE) if (note[key] !== undefined) current[key] = note[key];
    const patched = applyPatch(current, parsePatchBody(await readJson(c)), (f) => PATCHABLE.has(f));
    const input = parseWith(noteInput, "serviceNote", patched);
    return cwRecord(c, serializeNote(update(ticket, note, input, actor), actor.site));
  });
  app.delete(`${path}/:id{[0-9]+}`, (c) => {
    const { ticketId, noteId } = ids(c.req.param());
    const { ticket } = load(ticketId, noteId);
    const actor = apiActor(c);
    store.remove("cw_notes", noteId);
    touchTicket(ctx, ticket, actor);
    ctx.events.ticketChanged(ticketId, "updated", actor);
    return c.body(null, 204);
  });
}
