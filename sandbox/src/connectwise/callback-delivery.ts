import type { SandboxDeps } from "../deps";
import { DEMO_CONNECTWISE } from "../demo-data";
import type { Actor, TicketEvents } from "./context";
import { isObject, stripNulls, type JsonObject } from "./json";
import type { Store } from "./store";
import { serializeTicket } from "./ticket-model";

const KEY_ID = "callback_key_id";
const KEY_VALUE = "callback_signing_key";
/** CW retries twice, 2 s and then 4 s after a failed attempt; each attempt times out after 5 s. */
const RETRY_DELAYS_MS = [2_000, 4_000];
const ATTEMPT_TIMEOUT_MS = 5_000;

/** A fresh signing key per reset; clients fetch it from `Metadata.key_url`. */
export function rotateSigningKey(store: Store): void {
  store.setMeta(KEY_ID, crypto.randomUUID());
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  store.setMeta(KEY_VALUE, btoa(String.fromCharCode(...bytes)));
}

/**
 * The key page serves a key only to the company that owns it: the demo company's key, or
 * another company's on the same host (cloud hosts are shared), by `companyName` and `id`.
 */
export function signingKey(store: Store, companyName: string | undefined, id: string | undefined): string | null {
  if (id === undefined) return null;
  const company = (companyName ?? DEMO_CONNECTWISE.companyId).toLowerCase();
  if (company === DEMO_CONNECTWISE.companyId) return id === store.getMeta(KEY_ID) ? store.getMeta(KEY_VALUE) : null;
  return store.getMeta(`${OTHER_KEY_PREFIX}${company}:${id}`);
}

const OTHER_KEY_PREFIX = "callback_signing_key:";

/** Another ConnectWise customer's callback key on the same host (what a forger holds). */
export function addOtherCompanyKey(store: Store, companyName: string): { id: string; key: string } {
  const id = crypto.randomUUID();
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))));
  store.setMeta(`${OTHER_KEY_PREFIX}${companyName.toLowerCase()}:${id}`, key);
  return { id, key };
}

function keyUrl(store: Store, site: string): string {
  return `${site}/v4_6_release/system/callbackkey/index.rails?companyName=${DEMO_CONNECTWISE.companyId}&id=${store.getMeta(KEY_ID) ?? ""}`;
}

/** `x-content-signature`: Base64(HMAC-SHA256(key = SHA-256(signing key), message = raw body)). */
async function signBody(body: string, key: string): Promise<string> {
  const enc = new TextEncoder();
  const keyHash = await crypto.subtle.digest("SHA-256", enc.encode(key));
  const hmac = await crypto.subtle.importKey("raw", keyHash, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, enc.encode(body)));
  return btoa(String.fromCharCode(...mac));
}

function matches(cb: JsonObject, ticket: JsonObject): boolean {
  const idOf = (v: unknown) => (isObject(v) ? v.id : undefined);
  switch (cb.level) {
    case "owner":
      return true;
    case "board":
      return idOf(ticket.board) === cb.objectId;
    case "status":
      return idOf(ticket.status) === cb.objectId;
    case "ticket":
      return ticket.id === cb.objectId;
    default:
      return false;
  }
}

async function deliver(deps: SandboxDeps, url: string, body: string, signature: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await deps.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-content-signature": signature },
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // Network error or timeout: retried like a failed status.
    }
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined) return;
    await scheduler.wait(delay);
  }
}

/**
 * Delivers ticket callbacks as CW does: every active matching `ticket` callback gets a POST
 * to `url + ticketId` after the response, including for the integration's own changes
 * (unless the entry has `isSelfSuppressedFlag` or the write set `skipCallback`).
 */
export function createCallbackDelivery(store: Store, deps: SandboxDeps): TicketEvents {
  return {
    ticketChanged(ticketId: number, action, actor: Actor, options) {
      if (options?.skipCallback) return;
      const ticket = action === "deleted" ? (options?.deleted ?? { id: ticketId }) : store.get("cw_tickets", ticketId);
      if (!ticket) return;
      const targets = store
        .list("cw_callbacks")
        .filter((cb) => cb.type === "ticket" && cb.inactiveFlag !== true && matches(cb, ticket))
        .filter((cb) => !(cb.isSelfSuppressedFlag === true && cb.memberId === actor.member.id));
      if (targets.length === 0) return;
      const key = store.getMeta(KEY_VALUE) ?? "";
      const entity = action === "deleted" ? null : JSON.stringify(stripNulls(serializeTicket(ticket, actor.site)));
      for (const cb of targets) {
        const body = JSON.stringify({
          MessageId: crypto.randomUUID(),
          FromUrl: new URL(actor.site).host,
          CompanyId: DEMO_CONNECTWISE.companyId,
          MemberId: actor.member.identifier,
          Action: action,
          Type: "ticket",
          ID: ticketId,
          CallbackObjectRecId: cb.id,
          Entity: entity,
          Metadata: { key_url: keyUrl(store, actor.site) },
        });
        const url = `${String(cb.url)}${ticketId}`;
        deps.defer(async () => deliver(deps, url, body, await signBody(body, key)));
      }
    },
  };
}
