import { Hono } from "hono";
import { z } from "zod";
import { agentsOnly, type ZdEnv } from "./auth";
import { detailsFromIssues, zdError } from "./errors";
import { paginate } from "./paging";
import { ID, apiRoot, idOf, presentComment, presentTicket, withJson } from "./present";
import type { Service } from "./service";
import { PRIORITIES, STATUSES, type Store } from "./store";

const customFieldValue = z.object({ id: z.number().int(), value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]) });

const updateBody = z.object({
  ticket: z.looseObject({
    status: z.enum(STATUSES).optional(),
    priority: z.enum(PRIORITIES).nullable().optional(),
    type: z.enum(["problem", "incident", "question", "task"]).nullable().optional(),
    subject: z.string().min(1).max(150).optional(),
    assignee_id: z.number().int().nullable().optional(),
    custom_fields: z.array(customFieldValue).optional(),
    comment: z
      .object({ body: z.string().optional(), html_body: z.string().optional(), public: z.boolean().optional(), author_id: z.number().int().optional() })
      .optional(),
    safe_update: z.boolean().optional(),
    updated_stamp: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** The Tickets API (agents): full ticket, internal notes, optimistic locking. */
export function createTicketRoutes(deps: { store: Store; service: Service; now(): Date }) {
  const { store, service } = deps;
  const app = new Hono<ZdEnv>();
  app.use("/tickets/*", agentsOnly);
  app.use("/tickets", agentsOnly);
  app.use("/tickets.json", agentsOnly);

  app.on("GET", withJson("/tickets"), (c) => {
    const url = new URL(c.req.url);
    const sortBy = url.searchParams.get("sort_by") === "updated_at" ? "updated_at" : url.searchParams.get("sort_by") === "created_at" ? "created_at" : "id";
    const order = url.searchParams.get("sort_order") === "desc" ? "desc" : "asc";
    const page = paginate(url, store.allTickets(), (t) => ({ key: t[sortBy], id: t.id }), order);
    if ("error" in page) return page.error;
    const root = apiRoot(c.req.url);
    return c.json({ tickets: page.items.map((t) => presentTicket(t, root)), ...page.extra });
  });

  app.get(`/tickets/:id${ID}`, (c) => {
    const t = store.ticket(idOf(c.req.param("id")));
    if (!t) return zdError.recordNotFound();
    return c.json({ ticket: presentTicket(t, apiRoot(c.req.url)) });
  });

  app.put(`/tickets/:id${ID}`, async (c) => {
    const raw: unknown = await c.req.json().catch(() => undefined);
    const t = store.ticket(idOf(c.req.param("id")));
    if (!t) return zdError.recordNotFound();
    // The description is the first comment and read-only: any attempt to set it is refused.
    if (raw && typeof raw === "object" && "ticket" in raw && raw.ticket && typeof raw.ticket === "object" && "description" in raw.ticket) {
      return zdError.descriptionReadOnly();
    }
    const parsed = updateBody.safeParse(raw);
    if (!parsed.success) return zdError.recordInvalid(detailsFromIssues(parsed.error.issues));
    const b = parsed.data.ticket;
    if (b.safe_update && b.updated_stamp !== undefined) {
      const stamp = Date.parse(b.updated_stamp);
      if (Number.isNaN(stamp) || stamp < Date.parse(t.updated_at)) return zdError.updateConflict();
    }
    let author = c.get("user");
    if (b.comment?.author_id !== undefined) {
      const other = store.userById(b.comment.author_id);
      if (!other) return zdError.recordInvalid({ author_id: [{ description: "Author: is invalid", error: "InvalidValue" }] });
      author = other;
    }
    const result = service.updateTicket(t.id, author, {
      status: b.status,
      priority: b.priority,
      type: b.type,
      subject: b.subject,
      assignee_id: b.assignee_id,
      custom_fields: b.custom_fields,
      comment: b.comment ? { body: b.comment.body, html_body: b.comment.html_body, public: b.comment.public ?? true } : undefined,
    });
    if ("error" in result) return result.error;
    return c.json({ ticket: presentTicket(result.ticket, apiRoot(c.req.url)), audit: result.audit });
  });

  app.on("GET", [`/tickets/:id{[0-9]+}/comments`, `/tickets/:id{[0-9]+}/comments.json`], (c) => {
    const t = store.ticket(idOf(c.req.param("id")));
    if (!t) return zdError.recordNotFound();
    const url = new URL(c.req.url);
    const sort = url.searchParams.get("sort") ?? "";
    const order = url.searchParams.get("sort_order") === "desc" || sort === "-created_at" ? "desc" : "asc";
    const page = paginate(url, store.comments(t.id, false), (cm) => ({ key: cm.created_at, id: cm.id }), order);
    if ("error" in page) return page.error;
    const root = apiRoot(c.req.url);
    return c.json({ comments: page.items.map((cm) => presentComment(cm, root)), ...page.extra });
  });

  app.on("GET", [`/tickets/:id{[0-9]+}/comments/count`, `/tickets/:id{[0-9]+}/comments/count.json`], (c) => {
    const t = store.ticket(idOf(c.req.param("id")));
    if (!t) return zdError.recordNotFound();
    return c.json({
      count: {
        value: t.comment_count,
        refreshed_at: deps
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, "Z"),
      },
    });
  });

  return app;
}
