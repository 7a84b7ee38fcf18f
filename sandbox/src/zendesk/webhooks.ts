import { Hono, type Context, type Next } from "hono";
import { z } from "zod";
import type { SandboxDeps } from "../deps";
import { refuse, type ZdEnv } from "./auth";
import { zdError } from "./errors";
import { paginate } from "./paging";
import type { TicketEvent } from "./service";
import { isoSeconds, type TicketRow } from "./store";

/** The demo account's id, sent in `x-zendesk-account-id` and event envelopes. */
const ZD_ACCOUNT_ID = 12_345_678;
/** Attempts per invocation, and the pause before each retry (Zendesk retries a few times on failure). */
const RETRY_DELAYS_MS = [300, 1_000];
const EVENT_PREFIX = "zen:event-type:";

const webhookInput = z.object({
  name: z.string().min(1).max(255),
  description: z.string().max(1024).optional(),
  endpoint: z.url({ protocol: /^https?$/ }),
  http_method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]),
  request_format: z.enum(["json", "xml", "form_encoded"]),
  status: z.enum(["active", "inactive"]),
  subscriptions: z.array(z.string().min(1)).min(1),
  authentication: z
    .object({ type: z.enum(["basic_auth", "bearer_token", "api_key"]), add_position: z.literal("header"), data: z.record(z.string(), z.unknown()) })
    .optional(),
  custom_headers: z.record(z.string(), z.string()).optional(),
  external_source: z.record(z.string(), z.unknown()).optional(),
});
type WebhookInput = z.infer<typeof webhookInput>;
type WebhookRow = { id: string; data: string; secret: string; created_at: string; updated_at: string; created_by: string; updated_by: string };

function migrateWebhooks(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS zd_webhooks (id TEXT PRIMARY KEY, data TEXT NOT NULL, secret TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_by TEXT NOT NULL)`);
}
export const WEBHOOK_TABLES = ["zd_webhooks"] as const;

const randomBase64 = (n: number) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n))));
/** ULID-like ids, as Zendesk's webhooks have (sortable by creation). */
function webhookId(now: Date): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let time = now.getTime();
  let head = "";
  for (let i = 0; i < 10; i++) {
    head = alphabet[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const tail = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => alphabet[b % 32]).join("");
  return head + tail;
}

/** base64(HMAC-SHA256(secret, timestamp + body)), Zendesk's webhook signature. */
async function signWebhook(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(timestamp + body));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

const errors = {
  notFound: () => zdError.errors(404, "NotFound", "Not Found", "Webhook not found"),
  forbidden: () => zdError.errors(403, "Forbidden", "Forbidden", "Only admins can manage webhooks"),
  invalid: (issues: { path: PropertyKey[]; message: string }[]) =>
    new Response(
      JSON.stringify({
        errors: issues.map((i) => ({
          code: "InvalidInput",
          title: `${i.path.map(String).join(".") || "webhook"} is invalid`,
          detail: i.message,
          status: "400",
          source: { pointer: `/webhook/${i.path.map(String).join("/")}` },
        })),
      }),
      { status: 400, headers: { "content-type": "application/json; charset=utf-8" } },
    ),
};

/** Event subscriptions are always a JSON POST, as Zendesk requires. */
function eventSubscriptionProblem(w: WebhookInput): string | null {
  const events = w.subscriptions.some((s) => s.startsWith(EVENT_PREFIX));
  if (events && (w.http_method !== "POST" || w.request_format !== "json")) return "Webhooks subscribed to events must use POST and json";
  return null;
}

function detailOf(t: TicketRow, actorId: number) {
  const str = (v: number | null) => (v === null ? null : String(v));
  return {
    actor_id: String(actorId),
    assignee_id: str(t.assignee_id),
    brand_id: "360000000100",
    created_at: t.created_at,
    custom_status: null,
    description: t.description,
    external_id: null,
    form_id: "360000000200",
    group_id: null,
    id: String(t.id),
    is_public: true,
    organization_id: str(t.organization_id),
    priority: t.priority?.toUpperCase() ?? null,
    requester_id: String(t.requester_id),
    status: t.status.toUpperCase(),
    subject: t.subject,
    submitter_id: String(t.submitter_id),
    tags: JSON.parse(t.tags) as string[],
    type: t.type?.toUpperCase() ?? null,
    updated_at: t.updated_at,
    via: { channel: t.via_channel === "api" ? "web_service" : t.via_channel },
  };
}

export function createWebhooks(deps: Pick<SandboxDeps, "sql" | "now" | "defer" | "fetch">) {
  const { sql } = deps;
  const rowById = (id: string) => sql.exec<WebhookRow>(`SELECT * FROM zd_webhooks WHERE id = ?`, id).toArray()[0] ?? null;
  const present = (r: WebhookRow) => ({
    id: r.id,
    ...(JSON.parse(r.data) as WebhookInput),
    created_at: r.created_at,
    created_by: r.created_by,
    updated_at: r.updated_at,
    updated_by: r.updated_by,
  });

  async function deliverOne(hook: WebhookRow, envelope: Record<string, unknown>): Promise<void> {
    const w = JSON.parse(hook.data) as WebhookInput;
    const body = JSON.stringify(envelope);
    const invocationId = String(crypto.getRandomValues(new Uint32Array(1))[0]);
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      const timestamp = isoSeconds(deps.now());
      const headers: Record<string, string> = {
        ...w.custom_headers,
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Zendesk Webhook",
        "x-zendesk-account-id": String(ZD_ACCOUNT_ID),
        "x-zendesk-webhook-id": hook.id,
        "x-zendesk-webhook-invocation-id": invocationId,
        "x-zendesk-webhook-signature-timestamp": timestamp,
        "x-zendesk-webhook-signature": await signWebhook(hook.secret, timestamp, body),
      };
      const auth = w.authentication;
      if (auth?.type === "basic_auth") headers.authorization = `Basic ${btoa(`${String(auth.data.username)}:${String(auth.data.password)}`)}`;
      if (auth?.type === "bearer_token") headers.authorization = `Bearer ${String(auth.data.token)}`;
      if (auth?.type === "api_key") headers[String(auth.data.name)] = String(auth.data.value);
      try {
        const res = await deps.fetch(w.endpoint, { method: "POST", headers, body });
        await res.body?.cancel();
        // Zendesk retries on 409, 429 and server errors; other statuses end the invocation.
        if (res.status < 500 && res.status !== 409 && res.status !== 429) return;
      } catch {
        // a network failure: retry below
      }
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay !== undefined) await scheduler.wait(delay);
    }
  }

  return {
    migrate: () => migrateWebhooks(sql),

    /** Sends each event to every active webhook subscribed to it, after the response. */
    deliver(events: TicketEvent[]): void {
      if (events.length === 0) return;
      const hooks = sql.exec<WebhookRow>(`SELECT * FROM zd_webhooks ORDER BY id`).toArray();
      for (const e of events) {
        const type = EVENT_PREFIX + e.type;
        for (const hook of hooks) {
          const w = JSON.parse(hook.data) as WebhookInput;
          if (w.status !== "active" || !w.subscriptions.includes(type)) continue;
          const envelope = {
            type,
            account_id: ZD_ACCOUNT_ID,
            id: crypto.randomUUID(),
            time: deps.now().toISOString(),
            zendesk_event_version: "2022-11-06",
            subject: `zen:ticket:${e.ticket.id}`,
            detail: detailOf(e.ticket, e.actor.id),
            event: e.event,
          };
          deps.defer(() => deliverOne(hook, envelope));
        }
      }
    },

    routes() {
      const app = new Hono<ZdEnv>();
      const adminsOnly = async (c: Context<ZdEnv>, next: Next) => (c.get("user").role === "admin" ? next() : refuse(c.req.raw, errors.forbidden()));
      app.use("/webhooks/*", adminsOnly);
      app.use("/webhooks", adminsOnly);

      app.get("/webhooks", (c) => {
        const url = new URL(c.req.url);
        // The Webhooks API only pages by cursor.
        if (![...url.searchParams.keys()].some((k) => k.startsWith("page["))) url.searchParams.set("page[size]", "100");
        const nameContains = url.searchParams.get("filter[name_contains]")?.toLowerCase();
        const status = url.searchParams.get("filter[status]");
        const all = sql
          .exec<WebhookRow>(`SELECT * FROM zd_webhooks`)
          .toArray()
          .map(present)
          .filter((w) => (!nameContains || w.name.toLowerCase().includes(nameContains)) && (!status || w.status === status));
        const page = paginate(url, all, (w) => ({ key: w.id, id: 0 }), url.searchParams.get("sort") === "-name" ? "desc" : "asc");
        if ("error" in page) return page.error;
        return c.json({ webhooks: page.items, ...page.extra });
      });

      app.post("/webhooks", async (c) => {
        const parsed = z.object({ webhook: webhookInput }).safeParse(await c.req.json().catch(() => undefined));
        if (!parsed.success) return errors.invalid(parsed.error.issues);
        const problem = eventSubscriptionProblem(parsed.data.webhook);
        if (problem) return errors.invalid([{ path: ["subscriptions"], message: problem }]);
        const now = deps.now();
        const at = isoSeconds(now);
        const by = String(c.get("user").id);
        const id = webhookId(now);
        sql.exec(
          `INSERT INTO zd_webhooks (id, data, secret, created_at, updated_at, created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          id,
          JSON.stringify(parsed.data.webhook),
          randomBase64(32),
          at,
          at,
          by,
          by,
        );
        const root = new URL(c.req.url);
        return c.json({ webhook: present(rowById(id)!) }, 201, { Location: `${root.origin}${root.pathname}/${id}` });
      });

      app.get("/webhooks/:id", (c) => {
        const row = rowById(c.req.param("id"));
        return row ? c.json({ webhook: present(row) }) : errors.notFound();
      });

      const save = async (id: string, merge: boolean, raw: unknown, by: string): Promise<Response> => {
        const row = rowById(id);
        if (!row) return errors.notFound();
        const incoming = raw && typeof raw === "object" && "webhook" in raw && raw.webhook && typeof raw.webhook === "object" ? raw.webhook : undefined;
        const candidate = merge ? { ...(JSON.parse(row.data) as object), ...(incoming ?? {}) } : incoming;
        const parsed = webhookInput.safeParse(candidate);
        if (!parsed.success) return errors.invalid(parsed.error.issues);
        const problem = eventSubscriptionProblem(parsed.data);
        if (problem) return errors.invalid([{ path: ["subscriptions"], message: problem }]);
        sql.exec(`UPDATE zd_webhooks SET data = ?, updated_at = ?, updated_by = ? WHERE id = ?`, JSON.stringify(parsed.data), isoSeconds(deps.now()), by, id);
        return new Response(null, { status: 204 });
      };
      app.put("/webhooks/:id", async (c) => save(c.req.param("id"), false, await c.req.json().catch(() => undefined), String(c.get("user").id)));
      app.patch("/webhooks/:id", async (c) => save(c.req.param("id"), true, await c.req.json().catch(() => undefined), String(c.get("user").id)));

      app.delete("/webhooks/:id", (c) => {
        if (!rowById(c.req.param("id"))) return errors.notFound();
        sql.exec(`DELETE FROM zd_webhooks WHERE id = ?`, c.req.param("id"));
        return c.body(null, 204);
      });

      app.get("/webhooks/:id/signing_secret", (c) => {
        const row = rowById(c.req.param("id"));
        return row ? c.json({ signing_secret: { algorithm: "SHA256", secret: row.secret } }) : errors.notFound();
      });
      app.post("/webhooks/:id/signing_secret", (c) => {
        const row = rowById(c.req.param("id"));
        if (!row) return errors.notFound();
        const secret = randomBase64(32);
        sql.exec(`UPDATE zd_webhooks SET secret = ? WHERE id = ?`, secret, row.id);
        return c.json({ signing_secret: { algorithm: "SHA256", secret } }, 201);
      });

      return app;
    },
  };
}
