import { SELF } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { companyId, createTicket, cw, expectContract, json, resetSandbox } from "./helpers";

type Callback = {
  id: number;
  url: string;
  objectId: number;
  type: string;
  level: string;
  inactiveFlag: boolean;
  memberId: number;
  connectWiseID: string;
  description?: string;
};
type Delivery = { url: string; body: string; signature: string | null };

const HOOK = "https://hooks.example.test/cw?recordId=";
let deliveries: Delivery[] = [];
let hookStatus = 200;
let contoso: number;

beforeAll(async () => {
  await resetSandbox();
  contoso = await companyId("Contoso Dental");
});

beforeEach(() => {
  deliveries = [];
  hookStatus = 200;
  const realFetch = globalThis.fetch;
  // Deliveries leave through the global fetch of the sandbox's Durable Object (same isolate).
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith("https://hooks.example.test/")) return realFetch(input, init);
    deliveries.push({ url: request.url, body: await request.text(), signature: request.headers.get("x-content-signature") });
    return new Response("ok", { status: hookStatus });
  });
});
afterEach(() => vi.restoreAllMocks());

async function hmacBase64(key: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const keyHash = await crypto.subtle.digest("SHA-256", enc.encode(key));
  const k = await crypto.subtle.importKey("raw", keyHash, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(body)))));
}

describe("/system/callbacks CRUD", () => {
  it("creates, reads, counts, patches and deletes a callback entry", async () => {
    const res = await cw("/system/callbacks", {
      method: "POST",
      body: {
        id: 0,
        url: "https://crud.example.test/x?recordId=",
        objectId: 0,
        type: "ticket",
        level: "owner",
        description: "crud",
        inactiveFlag: false,
        isSelfSuppressedFlag: false,
        memberId: 0,
        connectWiseID: "",
      },
    });
    const cb = await expectContract<Callback>(res, "POST", "/system/callbacks", 201);
    expect(cb).toMatchObject({ objectId: 1, type: "ticket", level: "owner", memberId: 176, inactiveFlag: false });
    expect(cb.connectWiseID).toMatch(/^[0-9a-f-]{36}$/);
    await expectContract(await cw(`/system/callbacks/${cb.id}`), "GET", "/system/callbacks/{id}", 200);
    const list = await expectContract<Callback[]>(await cw("/system/callbacks"), "GET", "/system/callbacks", 200);
    expect(list.map((c) => c.id)).toContain(cb.id);
    expect(await expectContract(await cw("/system/callbacks/count"), "GET", "/system/callbacks/count", 200)).toEqual({ count: list.length });
    const patched = await cw(`/system/callbacks/${cb.id}`, { method: "PATCH", body: [{ op: "replace", path: "/inactiveFlag", value: true }] });
    expect((await expectContract<Callback>(patched, "PATCH", "/system/callbacks/{id}", 200)).inactiveFlag).toBe(true);
    const put = await cw(`/system/callbacks/${cb.id}`, {
      method: "PUT",
      body: { url: cb.url, objectId: 1, type: "ticket", level: "owner", description: "put" },
    });
    expect((await expectContract<Callback>(put, "PUT", "/system/callbacks/{id}", 200)).description).toBe("put");
    expect((await cw(`/system/callbacks/${cb.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await cw(`/system/callbacks/${cb.id}`)).status).toBe(404);
  });

  it("rejects a bad url and level, and a duplicate entry, with CW's bodies", async () => {
    const bad = await cw("/system/callbacks", { method: "POST", body: { url: "not a url", objectId: 1, type: "ticket", level: "galaxy" } });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toEqual({
      code: "InvalidObject",
      message: "callbackEntry object is invalid",
      errors: [
        { code: "InvalidField", message: "Invalid URL", resource: "callbackEntry", field: "url" },
        {
          code: "InvalidObject",
          message: "Unrecognized level for type, see documentation for supported levels for each type",
          resource: "callbackEntry",
          field: "level",
        },
      ],
    });
    const body = { url: "https://dup.example.test/?recordId=", objectId: 1, type: "ticket", level: "owner" };
    const first = await cw("/system/callbacks", { method: "POST", body });
    expect(first.status).toBe(201);
    const dup = await cw("/system/callbacks", { method: "POST", body });
    expect(dup.status).toBe(400);
    expect(await json(dup)).toEqual({
      code: "InvalidObject",
      message: "callbackEntry object is invalid",
      errors: [{ code: "ObjectExists", message: "A matching callback entry already exists", resource: "callbackEntry", field: "objectId" }],
    });
    const missing = await cw("/system/callbacks", { method: "POST", body: { objectId: 1, type: "ticket", level: "owner" } });
    expect(await json(missing)).toMatchObject({ errors: [{ code: "MissingRequiredField", field: "url" }] });
    await cw(`/system/callbacks/${(await json<Callback>(first)).id}`, { method: "DELETE" });
  });
});

describe("callback delivery", () => {
  it("POSTs a signed payload to url + recordId for API changes, verifiable with key_url", async () => {
    const created = await json<Callback>(await cw("/system/callbacks", { method: "POST", body: { url: HOOK, objectId: 1, type: "ticket", level: "owner" } }));
    const ticket = await createTicket({ summary: "Hooked", company: { id: contoso } });
    await vi.waitFor(() => expect(deliveries).toHaveLength(1), { timeout: 3000 });
    const [d] = deliveries;
    expect(d!.url).toBe(`${HOOK}${ticket.id}`);
    const payload = JSON.parse(d!.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      Action: "added",
      Type: "ticket",
      ID: ticket.id,
      CallbackObjectRecId: created.id,
      CompanyId: "acme",
      MemberId: "psa-sync-api",
      FromUrl: "localhost:8788",
    });
    expect(payload.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof payload.Entity).toBe("string");
    expect(JSON.parse(payload.Entity as string)).toMatchObject({ id: ticket.id, summary: "Hooked" });

    const keyUrl = (payload.Metadata as { key_url: string }).key_url;
    expect(keyUrl).toMatch(/^http:\/\/localhost:8788\/cw\/v4_6_release\/system\/callbackkey\/index\.rails\?companyName=acme&id=/);
    const keyRes = await SELF.fetch(keyUrl);
    expect(keyRes.status).toBe(200);
    const { signing_key } = await json<{ signing_key: string }>(keyRes);
    expect(d!.signature).toBe(await hmacBase64(signing_key, d!.body));
    expect(d!.signature).not.toBe(await hmacBase64(`${signing_key}x`, d!.body));
    expect((await SELF.fetch(keyUrl.replace(/id=[^&]+/, "id=unknown"))).status).toBe(404);

    // Another company on the same host has its own key, served only under its own name.
    const other = await json<{ keyUrl: string; signingKey: string }>(
      await SELF.fetch("http://localhost:8788/_sandbox/connectwise/other-company-keys", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ companyName: "evilco" }),
      }),
    );
    expect(await json<{ signing_key: string }>(await SELF.fetch(other.keyUrl))).toEqual({ signing_key: other.signingKey });
    expect(other.signingKey).not.toBe(signing_key);
    expect((await SELF.fetch(other.keyUrl.replace("companyName=evilco", "companyName=acme"))).status).toBe(404);

    // Notes update the ticket: one "updated" delivery each.
    await cw(`/service/tickets/${ticket.id}/notes`, { method: "POST", body: { text: "n", internalAnalysisFlag: true } });
    await vi.waitFor(() => expect(deliveries).toHaveLength(2), { timeout: 3000 });
    expect(JSON.parse(deliveries[1]!.body)).toMatchObject({ Action: "updated", ID: ticket.id });

    await cw(`/service/tickets/${ticket.id}`, { method: "DELETE" });
    await vi.waitFor(() => expect(deliveries).toHaveLength(3), { timeout: 3000 });
    expect(JSON.parse(deliveries[2]!.body)).toMatchObject({ Action: "deleted", ID: ticket.id, Entity: null });
    await cw(`/system/callbacks/${created.id}`, { method: "DELETE" });
  });

  it("skips inactive entries, other boards, self-suppressed entries and skipCallback writes", async () => {
    const [helpDesk] = await json<{ id: number }[]>(await cw(`/service/boards?conditions=${encodeURIComponent('name="Help Desk"')}`));
    const post = (body: Record<string, unknown>) => cw("/system/callbacks", { method: "POST", body: { type: "ticket", objectId: 1, ...body } });
    const ids = [
      (await json<Callback>(await post({ url: `${HOOK}&a=inactive&r=`, level: "owner", inactiveFlag: true }))).id,
      (await json<Callback>(await post({ url: `${HOOK}&a=board&r=`, level: "board", objectId: helpDesk!.id }))).id,
      (await json<Callback>(await post({ url: `${HOOK}&a=self&r=`, level: "owner", isSelfSuppressedFlag: true }))).id,
    ];
    await createTicket({ summary: "Support board", company: { id: contoso } });
    await createTicket({ summary: "Skipped", company: { id: contoso }, board: { id: helpDesk!.id }, skipCallback: true });
    const hd = await createTicket({ summary: "Help desk", company: { id: contoso }, board: { id: helpDesk!.id } });
    await vi.waitFor(() => expect(deliveries).toHaveLength(1), { timeout: 3000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.url).toBe(`${HOOK}&a=board&r=${hd.id}`);
    for (const id of ids) await cw(`/system/callbacks/${id}`, { method: "DELETE" });
  });

  it("retries a failed delivery", async () => {
    const cb = await json<Callback>(
      await cw("/system/callbacks", { method: "POST", body: { url: `${HOOK}&retry=`, objectId: 1, type: "ticket", level: "owner" } }),
    );
    hookStatus = 503;
    const t = await createTicket({ summary: "Retry", company: { id: contoso } });
    await vi.waitFor(() => expect(deliveries).toHaveLength(1), { timeout: 3000 });
    hookStatus = 200;
    await vi.waitFor(() => expect(deliveries).toHaveLength(2), { timeout: 5000 });
    expect(deliveries[1]!.body).toBe(deliveries[0]!.body);
    expect(deliveries[1]!.url).toBe(`${HOOK}&retry=${t.id}`);
    await cw(`/system/callbacks/${cb.id}`, { method: "DELETE" });
  }, 15_000);
});
