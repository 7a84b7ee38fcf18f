import { Hono } from "hono";
import { DEMO_PORTAL } from "../demo-data";
import type { EmulatorModule, SandboxDeps } from "../deps";
import { authenticate, type ZdEnv } from "./auth";
import { zdError } from "./errors";
import { INCREMENTAL_TABLES, createIncrementalRoutes } from "./incremental";
import { OAUTH_TABLES, createOAuthRoutes, migrateOAuth } from "./oauth";
import { createRequestRoutes } from "./requests";
import { DEMO_ZENDESK, seed } from "./seed";
import { createService, type CommentInput } from "./service";
import { ZD_TABLES, createStore, migrateStore, type CustomFieldValue, type Priority, type Role, type Status, type TicketRow } from "./store";
import { createTicketFieldRoutes } from "./ticket-fields";
import { createTicketRoutes } from "./tickets";
import { WEBHOOK_TABLES, createWebhooks } from "./webhooks";

export { DEMO_ZENDESK } from "./seed";
export { bulkAddComments, COMMENT_LIMIT } from "./store";

/** Calls the activity generator makes to move the demo along (no webhooks are skipped). */
interface ZendeskActivity {
  createRequest(input: { subject: string; body: string; priority?: Priority | null; clusterId?: string | null }): TicketRow;
  addAgentComment(ticketId: number, body: string, opts?: { public?: boolean }): TicketRow;
  addEndUserComment(ticketId: number, body: string): TicketRow;
  setStatus(ticketId: number, status: Status): TicketRow;
  setPriority(ticketId: number, priority: Priority): TicketRow;
  /** Ids of the demo end user's requests that are not closed. */
  openRequestIds(): number[];
}

/** Control-side setup for load runs and benchmarks (not part of the Zendesk API). */
interface ZendeskSetup {
  /** Another end user (an MSP's portal account) who signs in with `email/token:apiToken`. */
  addEndUser(email: string, apiToken: string): { id: number; created: boolean };
  /**
   * A portal user of any role (e.g. a provider's account made an agent), created, or
   * updated when the email exists: the role and organisation change, the token does not.
   */
  upsertUser(input: { email: string; apiToken: string; role: Role; organizationId: number | null }): { id: number; created: boolean };
  /** An organisation; with `sharedTickets` its end users see each other's requests. */
  addOrganization(input: { name: string; sharedTickets: boolean }): { id: number };
  /**
   * `count` requests by that end user, each with `comments` public comments of theirs,
   * through the same service as the API (audits, webhooks). Null when the user is unknown.
   */
  bulkCreateRequests(input: { email: string; count: number; comments: number; subjectPrefix: string; clusterIds: string[] }): number[] | null;
  /** The incremental export answers as if asked this many seconds later (tests skip its 1-minute wait). */
  setExportAhead(seconds: number): void;
}

export type ZendeskEmulator = EmulatorModule & ZendeskActivity & ZendeskSetup;

/** The Support Portal: Zendesk Support API v2 (requests, tickets, fields, webhooks) and its OAuth server. */
export function createZendesk(deps: SandboxDeps): ZendeskEmulator {
  const store = createStore(deps.sql);
  const webhooks = createWebhooks(deps);
  const incremental = createIncrementalRoutes({ sql: deps.sql, store, now: deps.now });
  const service = createService({ store, now: deps.now, emit: (events) => webhooks.deliver(events) });

  const api = new Hono<ZdEnv>();
  api.use("*", authenticate({ sql: deps.sql, store, now: deps.now }));
  api.route("/", createRequestRoutes({ store, service }));
  api.route("/", createTicketRoutes({ store, service, now: deps.now }));
  api.route("/ticket_fields", createTicketFieldRoutes({ now: deps.now }));
  api.route("/ticket_fields.json", createTicketFieldRoutes({ now: deps.now }));
  api.route("/", webhooks.routes());
  api.route("/", incremental.routes);

  const app = new Hono();
  app.route("/oauth", createOAuthRoutes({ sql: deps.sql, store, now: deps.now }));
  app.route("/api/v2", api);
  // A catch-all route, not notFound(): the sandbox mounts this app with route(), which keeps routes only.
  app.all("*", () => zdError.invalidEndpoint());
  app.onError((err) => {
    console.error({ level: "error", event: "sandbox.zendesk.error", message: String(err) });
    return new Response(JSON.stringify({ error: "InternalServerError", description: "Something went wrong on our side." }), {
      status: 500,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  });

  const migrate = () => {
    migrateStore(deps.sql);
    migrateOAuth(deps.sql);
    webhooks.migrate();
    incremental.migrate();
  };

  const ok = <T>(result: T | { error: Response }): T => {
    if (result && typeof result === "object" && "error" in result) throw new Error(`Zendesk activity refused (HTTP ${result.error.status})`);
    return result;
  };
  const agent = () => store.userById(DEMO_ZENDESK.agent.id)!;
  const endUser = () => store.userById(DEMO_ZENDESK.endUser.id)!;
  const comment = (body: string, pub = true): CommentInput => ({ body, public: pub });

  return {
    app,
    migrate,
    reset() {
      for (const table of [...ZD_TABLES, ...OAUTH_TABLES, ...WEBHOOK_TABLES, ...INCREMENTAL_TABLES]) deps.sql.exec(`DROP TABLE IF EXISTS ${table}`);
      migrate();
      seed(store, deps.now());
    },
    createRequest(input) {
      const fields: CustomFieldValue[] = input.clusterId === undefined ? [] : [{ id: DEMO_PORTAL.clusterFieldId, value: input.clusterId }];
      return ok(
        service.createTicket({
          requester: endUser(),
          subject: input.subject,
          comment: comment(input.body),
          priority: input.priority ?? null,
          customFields: fields,
          channel: "web",
        }),
      ).ticket;
    },
    addAgentComment: (ticketId, body, opts) => ok(service.updateTicket(ticketId, agent(), { comment: comment(body, opts?.public ?? true) })).ticket,
    addEndUserComment(ticketId, body) {
      // An end user's comment reopens a pending, on-hold or solved request, as in the Requests API.
      const reopen = ["pending", "hold", "solved"].includes(store.ticket(ticketId)?.status ?? "");
      return ok(service.updateTicket(ticketId, endUser(), { comment: comment(body), status: reopen ? "open" : undefined }, "web")).ticket;
    },
    setStatus: (ticketId, status) => ok(service.updateTicket(ticketId, agent(), { status })).ticket,
    setPriority: (ticketId, priority) => ok(service.updateTicket(ticketId, agent(), { priority })).ticket,
    addEndUser(email, apiToken) {
      const existing = store.userByEmail(email);
      if (existing) return { id: existing.id, created: false };
      const id = deps.sql.exec<{ next: number }>(`SELECT MAX(id) + 1 AS next FROM zd_users`).one().next;
      store.insertUser({ id, name: email.split("@")[0]!, email, role: "end-user", password: apiToken, api_token: apiToken, organization_id: null });
      return { id, created: true };
    },
    upsertUser({ email, apiToken, role, organizationId }) {
      const existing = store.userByEmail(email);
      if (existing) {
        store.updateUser(existing.id, { role, organization_id: organizationId });
        return { id: existing.id, created: false };
      }
      const id = deps.sql.exec<{ next: number }>(`SELECT MAX(id) + 1 AS next FROM zd_users`).one().next;
      store.insertUser({ id, name: email.split("@")[0]!, email, role, password: apiToken, api_token: apiToken, organization_id: organizationId });
      return { id, created: true };
    },
    addOrganization({ name, sharedTickets }) {
      const id = deps.sql
        .exec<{ next: number }>(`SELECT COALESCE(MAX(id), ?) + 1 AS next FROM zd_organizations`, DEMO_ZENDESK.organizationId + 1_000)
        .one().next;
      store.insertOrganization({ id, name, shared_tickets: sharedTickets ? 1 : 0 });
      return { id };
    },
    bulkCreateRequests({ email, count, comments, subjectPrefix, clusterIds }) {
      const user = store.userByEmail(email);
      if (user?.role !== "end-user") return null;
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const clusterId = clusterIds.length ? clusterIds[i % clusterIds.length]! : null;
        const fields: CustomFieldValue[] = clusterId === null ? [] : [{ id: DEMO_PORTAL.clusterFieldId, value: clusterId }];
        const ticket = ok(
          service.createTicket({
            requester: user,
            subject: `${subjectPrefix} ${i}`,
            comment: comment(`${subjectPrefix} ${i}: description`),
            priority: null,
            customFields: fields,
            channel: "api",
          }),
        ).ticket;
        for (let c = 0; c < comments; c++) ok(service.updateTicket(ticket.id, user, { comment: comment(`${subjectPrefix} ${i}: comment ${c}`) }));
        ids.push(ticket.id);
      }
      return ids;
    },
    setExportAhead: (seconds) => incremental.setAhead(seconds),
    openRequestIds: () =>
      store
        .allTickets()
        .filter((t) => t.requester_id === DEMO_ZENDESK.endUser.id && t.status !== "closed")
        .map((t) => t.id),
  };
}
