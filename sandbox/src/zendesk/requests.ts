import { Hono } from "hono";
import { z } from "zod";
import type { ZdEnv } from "./auth";
import { detailsFromIssues, zdError } from "./errors";
import { paginate } from "./paging";
import { ID, apiRoot, canBeSolvedByMe, idOf, presentComment, presentRequest, withJson } from "./present";
import type { Service } from "./service";
import { PRIORITIES, type Store, type TicketRow, type UserRow } from "./store";

const customFieldValue = z.object({ id: z.number().int(), value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]) });
const commentInput = z.object({ body: z.string().optional(), html_body: z.string().optional() });

const createBody = z.object({
  request: z.object({
    subject: z.string().max(150).default(""),
    comment: commentInput,
    priority: z.enum(PRIORITIES).nullable().optional(),
    type: z.enum(["problem", "incident", "question", "task"]).nullable().optional(),
    custom_fields: z.array(customFieldValue).optional(),
  }),
});

/**
 * Only `comment`, `solved` and `additional_collaborators` are writable on a request;
 * Zendesk ignores any other attribute (priority, status, custom_fields…) without error,
 * so the schema accepts and drops them.
 */
const updateBody = z.object({
  request: z.object({
    comment: commentInput.optional(),
    solved: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
    additional_collaborators: z.array(z.unknown()).optional(),
  }),
});

/**
 * Who sees a request. Agents and admins see every ticket (an agent's or an account-wide
 * API token's view spans every provider). End users see requests they asked for or are
 * CC'd on, and their organisation's when it shares tickets; anything else is "not found".
 */
function visibleTo(store: Store, t: TicketRow, user: UserRow): boolean {
  if (user.role !== "end-user") return true;
  if (t.requester_id === user.id || (JSON.parse(t.collaborator_ids) as number[]).includes(user.id)) return true;
  return sharesOrganization(store, user) && t.organization_id === user.organization_id;
}

function sharesOrganization(store: Store, user: UserRow): boolean {
  return user.organization_id !== null && store.organization(user.organization_id)?.shared_tickets === 1;
}

/** The requests a user lists, by id. */
function listedFor(store: Store, user: UserRow): TicketRow[] {
  if (user.role !== "end-user") return store.allTickets();
  const own = store.ticketsOf(user.id).filter((t) => visibleTo(store, t, user));
  if (!sharesOrganization(store, user)) return own;
  const byId = new Map([...own, ...store.ticketsOfOrganization(user.organization_id!)].map((t) => [t.id, t]));
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

async function jsonBody(req: { json(): Promise<unknown> }): Promise<unknown> {
  return req.json().catch(() => undefined);
}

/** The Requests API: the end user's view of tickets (public comments only). */
export function createRequestRoutes(deps: { store: Store; service: Service }) {
  const { store, service } = deps;
  const app = new Hono<ZdEnv>();

  const find = (rawId: string | undefined, user: UserRow): TicketRow | null => {
    const t = store.ticket(idOf(rawId));
    return t && visibleTo(store, t, user) ? t : null;
  };

  app.on("GET", withJson("/requests"), (c) => {
    const url = new URL(c.req.url);
    const user = c.get("user");
    const sortBy = url.searchParams.get("sort_by") === "updated_at" ? "updated_at" : "created_at";
    const order = url.searchParams.get("sort_order") === "desc" ? "desc" : "asc";
    const statuses = (url.searchParams.get("status") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const mine = listedFor(store, user).filter((t) => statuses.length === 0 || statuses.includes(t.status));
    const page = paginate(url, mine, (t) => ({ key: t[sortBy], id: t.id }), order);
    if ("error" in page) return page.error;
    const root = apiRoot(c.req.url);
    return c.json({ requests: page.items.map((t) => presentRequest(t, root)), ...page.extra });
  });

  app.on("POST", withJson("/requests"), async (c) => {
    const parsed = createBody.safeParse(await jsonBody(c.req));
    if (!parsed.success) return zdError.recordInvalid(detailsFromIssues(parsed.error.issues));
    const r = parsed.data.request;
    const created = service.createTicket({
      requester: c.get("user"),
      subject: r.subject,
      comment: r.comment,
      priority: r.priority ?? null,
      type: r.type ?? null,
      customFields: r.custom_fields ?? [],
      channel: "api",
    });
    if ("error" in created) return created.error;
    const root = apiRoot(c.req.url);
    return c.json({ request: presentRequest(created.ticket, root) }, 201, { Location: `${root}/api/v2/requests/${created.ticket.id}.json` });
  });

  // Who the credentials belong to (allowed for end users too).
  app.get("/users/:me{me(?:\\.json)?}", (c) => {
    const u = c.get("user");
    return c.json({
      user: {
        id: u.id,
        url: `${apiRoot(c.req.url)}/api/v2/users/${u.id}.json`,
        name: u.name,
        email: u.email,
        role: u.role,
        organization_id: u.organization_id,
        active: true,
        verified: true,
      },
    });
  });

  app.get(`/requests/:id${ID}`, (c) => {
    const t = find(c.req.param("id"), c.get("user"));
    if (!t) return zdError.recordNotFound();
    return c.json({ request: presentRequest(t, apiRoot(c.req.url)) });
  });

  app.put(`/requests/:id${ID}`, async (c) => {
    const user = c.get("user");
    const raw = await jsonBody(c.req);
    const t = find(c.req.param("id"), user);
    if (!t) return zdError.recordNotFound();
    const parsed = updateBody.safeParse(raw);
    if (!parsed.success) return zdError.recordInvalid(detailsFromIssues(parsed.error.issues));
    const r = parsed.data.request;
    const solve = r.solved === true || r.solved === "true";
    if (solve && !canBeSolvedByMe(t) && t.status !== "solved") {
      return zdError.recordInvalid({
        status: [{ description: "Status: you cannot solve this request until an agent has been assigned", error: "InvalidValue" }],
      });
    }
    // An end user's comment reopens a pending, on-hold or solved request (a system rule).
    const reopen = r.comment && !solve && ["pending", "hold", "solved"].includes(t.status);
    const status = solve ? "solved" : reopen ? "open" : undefined;
    const updated = service.updateTicket(t.id, user, { comment: r.comment ? { ...r.comment, public: true } : undefined, status }, "web");
    if ("error" in updated) return updated.error;
    return c.json({ request: presentRequest(updated.ticket, apiRoot(c.req.url)) });
  });

  app.on("GET", [`/requests/:id{[0-9]+}/comments`, `/requests/:id{[0-9]+}/comments.json`], (c) => {
    const t = find(c.req.param("id"), c.get("user"));
    if (!t) return zdError.recordNotFound();
    const url = new URL(c.req.url);
    const since = url.searchParams.get("since");
    const role = url.searchParams.get("role");
    let comments = store.comments(t.id, true);
    if (since) comments = comments.filter((cm) => Date.parse(cm.created_at) >= Date.parse(since));
    if (role === "agent" || role === "end_user") {
      comments = comments.filter((cm) => (store.userById(cm.author_id)?.role === "end-user") === (role === "end_user"));
    }
    const sort = url.searchParams.get("sort") ?? "";
    const order = url.searchParams.get("sort_order") === "desc" || sort === "-created_at" ? "desc" : "asc";
    const page = paginate(url, comments, (cm) => ({ key: cm.created_at, id: cm.id }), order);
    if ("error" in page) return page.error;
    const root = apiRoot(c.req.url);
    return c.json({ comments: page.items.map((cm) => presentComment(cm, root)), ...page.extra });
  });

  app.get(`/requests/:id{[0-9]+}/comments/:commentId${ID}`, (c) => {
    const t = find(c.req.param("id"), c.get("user"));
    const cm = t ? store.comment(t.id, idOf(c.req.param("commentId"))) : null;
    if (cm?.public !== 1) return zdError.recordNotFound();
    return c.json({ comment: presentComment(cm, apiRoot(c.req.url)) });
  });

  return app;
}
