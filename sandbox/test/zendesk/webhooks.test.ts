import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AGENT_AUTH, USER_AUTH, expectContract, resetSandbox, zd, type RequestJson } from "./helpers";

const ENDPOINT = "https://hooks.psa-sync.test/portal";
type Webhook = { id: string; name: string; endpoint: string; status: string; subscriptions: string[] };
type Captured = { url: string; headers: Headers; body: string };

const hookBody = (extra: Record<string, unknown> = {}) => ({
  webhook: {
    name: "psa-sync",
    endpoint: ENDPOINT,
    http_method: "POST",
    request_format: "json",
    status: "active",
    subscriptions: [
      "zen:event-type:ticket.comment_added",
      "zen:event-type:ticket.created",
      "zen:event-type:ticket.status_changed",
      "zen:event-type:ticket.priority_changed",
    ],
    ...extra,
  },
});

async function hmacBase64(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)))));
}

/** Intercepts deliveries to ENDPOINT; everything else goes to the real fetch. */
function interceptDeliveries(statuses: number[] = []): Captured[] {
  const captured: Captured[] = [];
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(ENDPOINT)) return real(input, init);
    captured.push({ url, headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response("ok", { status: statuses[captured.length - 1] ?? 200 });
  });
  return captured;
}

async function waitFor(predicate: () => boolean, ms = 4_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  expect(predicate()).toBe(true);
}

describe("Webhooks API", () => {
  beforeEach(resetSandbox);
  afterEach(() => vi.restoreAllMocks());

  it("creates, shows, lists, patches, replaces and deletes webhooks", async () => {
    const created = await zd<{ webhook: Webhook }>("/api/v2/webhooks", { method: "POST", auth: AGENT_AUTH, body: hookBody() });
    expect(created.status).toBe(201);
    expectContract("POST", "/api/v2/webhooks", 201, created.json);
    const id = created.json.webhook.id;
    expect(id).toMatch(/^[0-9A-Z]{26}$/);

    const shown = await zd<{ webhook: Webhook }>(`/api/v2/webhooks/${id}`, { auth: AGENT_AUTH });
    expectContract("GET", "/api/v2/webhooks/{webhook_id}", 200, shown.json);
    expect(shown.json.webhook.endpoint).toBe(ENDPOINT);

    const list = await zd<{ webhooks: Webhook[]; meta: { has_more: boolean } }>("/api/v2/webhooks?filter[name_contains]=psa", { auth: AGENT_AUTH });
    expectContract("GET", "/api/v2/webhooks", 200, list.json);
    expect(list.json.webhooks.map((w) => w.id)).toEqual([id]);
    expect(list.json.meta.has_more).toBe(false);

    expect((await zd(`/api/v2/webhooks/${id}`, { method: "PATCH", auth: AGENT_AUTH, body: { webhook: { status: "inactive" } } })).status).toBe(204);
    expect((await zd<{ webhook: Webhook }>(`/api/v2/webhooks/${id}`, { auth: AGENT_AUTH })).json.webhook.status).toBe("inactive");
    expect((await zd(`/api/v2/webhooks/${id}`, { method: "PUT", auth: AGENT_AUTH, body: hookBody({ name: "renamed" }) })).status).toBe(204);
    expect((await zd<{ webhook: Webhook }>(`/api/v2/webhooks/${id}`, { auth: AGENT_AUTH })).json.webhook).toMatchObject({ name: "renamed", status: "active" });

    const secret = await zd<{ signing_secret: { algorithm: string; secret: string } }>(`/api/v2/webhooks/${id}/signing_secret`, { auth: AGENT_AUTH });
    expectContract("GET", "/api/v2/webhooks/{webhook_id}/signing_secret", 200, secret.json);
    const rotated = await zd<{ signing_secret: { secret: string } }>(`/api/v2/webhooks/${id}/signing_secret`, { method: "POST", auth: AGENT_AUTH });
    expect(rotated.status).toBe(201);
    expect(rotated.json.signing_secret.secret).not.toBe(secret.json.signing_secret.secret);

    expect((await zd(`/api/v2/webhooks/${id}`, { method: "DELETE", auth: AGENT_AUTH })).status).toBe(204);
    const gone = await zd(`/api/v2/webhooks/${id}`, { auth: AGENT_AUTH });
    expect(gone.status).toBe(404);
    expectContract("GET", "/api/v2/webhooks/{webhook_id}", 404, gone.json);
  });

  it("validates webhooks and keeps them to admins", async () => {
    const bad = await zd("/api/v2/webhooks", { method: "POST", auth: AGENT_AUTH, body: hookBody({ endpoint: "not a url" }) });
    expect(bad.status).toBe(400);
    expectContract("POST", "/api/v2/webhooks", 400, bad.json);
    const getEvents = await zd("/api/v2/webhooks", { method: "POST", auth: AGENT_AUTH, body: hookBody({ http_method: "GET" }) });
    expect(getEvents.status).toBe(400);
    const forbidden = await zd("/api/v2/webhooks", { method: "POST", auth: USER_AUTH, body: hookBody() });
    expect(forbidden.status).toBe(403);
    expectContract("POST", "/api/v2/webhooks", 403, forbidden.json);
  });

  it("delivers signed ticket events for a new request, a comment and status/priority changes", async () => {
    const created = await zd<{ webhook: Webhook }>("/api/v2/webhooks", { method: "POST", auth: AGENT_AUTH, body: hookBody() });
    const id = created.json.webhook.id;
    const secret = (await zd<{ signing_secret: { secret: string } }>(`/api/v2/webhooks/${id}/signing_secret`, { auth: AGENT_AUTH })).json.signing_secret.secret;
    const captured = interceptDeliveries();

    const req = await zd<{ request: RequestJson }>("/api/v2/requests", {
      method: "POST",
      auth: USER_AUTH,
      body: { request: { subject: "Hook me", comment: { body: "first" } } },
    });
    await waitFor(() => captured.length === 1);
    await zd(`/api/v2/tickets/${req.json.request.id}`, {
      method: "PUT",
      auth: AGENT_AUTH,
      body: { ticket: { status: "open", priority: "high", comment: { body: "On it", public: true } } },
    });
    await waitFor(() => captured.length === 4);

    const types = captured.map((c) => (JSON.parse(c.body) as { type: string }).type);
    expect(types[0]).toBe("zen:event-type:ticket.created");
    expect(types.slice(1).sort()).toEqual([
      "zen:event-type:ticket.comment_added",
      "zen:event-type:ticket.priority_changed",
      "zen:event-type:ticket.status_changed",
    ]);
    for (const c of captured) {
      const timestamp = c.headers.get("x-zendesk-webhook-signature-timestamp")!;
      expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(c.headers.get("x-zendesk-webhook-signature")).toBe(await hmacBase64(secret, timestamp + c.body));
      expect(c.headers.get("x-zendesk-webhook-id")).toBe(id);
      const envelope = JSON.parse(c.body) as { subject: string; detail: { id: string; status: string } };
      expect(envelope.subject).toBe(`zen:ticket:${req.json.request.id}`);
      expect(envelope.detail.id).toBe(String(req.json.request.id));
      expect(zodLessEnvelopeCheck(envelope)).toBe(true);
    }
    const comment = captured
      .map((c) => JSON.parse(c.body) as { type: string; event: { comment?: { body: string; is_public: boolean; author: { is_staff: boolean } } } })
      .find((e) => e.type.endsWith("comment_added"))!;
    expect(comment.event.comment).toMatchObject({ body: "On it", is_public: true, author: { is_staff: true } });
    const status = captured
      .map((c) => JSON.parse(c.body) as { type: string; event: { current?: string; previous?: string } })
      .find((e) => e.type.endsWith("status_changed"))!;
    expect(status.event).toEqual({ current: "OPEN", previous: "NEW" });
  });

  it("retries a failed delivery and skips inactive webhooks", async () => {
    await zd("/api/v2/webhooks", { method: "POST", auth: AGENT_AUTH, body: hookBody() });
    await zd("/api/v2/webhooks", { method: "POST", auth: AGENT_AUTH, body: hookBody({ status: "inactive", endpoint: `${ENDPOINT}/inactive` }) });
    const captured = interceptDeliveries([503, 500, 200]);
    await zd("/api/v2/requests", { method: "POST", auth: USER_AUTH, body: { request: { subject: "Retry me", comment: { body: "x" } } } });
    await waitFor(() => captured.length === 3);
    expect(new Set(captured.map((c) => c.headers.get("x-zendesk-webhook-invocation-id"))).size).toBe(1);
    expect(captured.every((c) => c.url === ENDPOINT)).toBe(true);
  });
});

/** The envelope keys Zendesk's event subscriptions always send. */
function zodLessEnvelopeCheck(e: object): boolean {
  return ["type", "account_id", "id", "time", "zendesk_event_version", "subject", "detail", "event"].every((k) => k in e);
}
