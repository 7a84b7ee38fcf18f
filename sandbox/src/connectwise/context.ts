import type { Context } from "hono";
import type { SandboxDeps } from "../deps";
import { cwTimestamp, isObject, type JsonObject } from "./json";
import type { Store } from "./store";

export interface MemberRef {
  id: number;
  identifier: string;
  name: string;
}

/** The API member whose keys are the demo credentials: CW stamps its identifier on API writes. */
export const API_MEMBER: MemberRef = { id: 176, identifier: "psa-sync-api", name: "psa-sync API" };
/** The technician the activity generator writes notes as. */
export const TECHNICIAN: MemberRef = { id: 142, identifier: "jparker", name: "Jamie Parker" };

/** Who made a change and where the site lives (`http://localhost:8788/cw`), for hrefs and callbacks. */
export interface Actor {
  member: MemberRef;
  site: string;
}

/** What ticket and note writes report, so callbacks can be delivered. */
export interface TicketEvents {
  /** `deleted` is the ticket as it was, since it is gone from the store by then. */
  ticketChanged(
    ticketId: number,
    action: "added" | "updated" | "deleted",
    actor: Actor,
    options?: { skipCallback?: boolean | undefined; deleted?: JsonObject },
  ): void;
}

export interface CwContext {
  store: Store;
  deps: SandboxDeps;
  events: TicketEvents;
  now(): string;
}

export const DEFAULT_SITE = "http://localhost:8788/cw";

/** The site is everything before the codebase, so links work wherever the sandbox is mounted. */
export function siteOf(c: Context): string {
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf("/v4_6_release");
  return url.origin + (at >= 0 ? url.pathname.slice(0, at) : "");
}

export const apiBase = (site: string) => `${site}/v4_6_release/apis/3.0`;

export function apiActor(c: Context): Actor {
  return { member: API_MEMBER, site: siteOf(c) };
}

export function makeNow(deps: SandboxDeps): () => string {
  return () => cwTimestamp(deps.now());
}

/** Audit fields CW keeps in `_info`. */
export function stampCreated(now: string, member: MemberRef): JsonObject {
  return { lastUpdated: now, updatedBy: member.identifier, dateEntered: now, enteredBy: member.identifier };
}

export function stampUpdated(doc: JsonObject, now: string, member: MemberRef): JsonObject {
  const info = isObject(doc._info) ? doc._info : {};
  return { ...info, lastUpdated: now, updatedBy: member.identifier };
}

/** Adds `_info.<name>_href` to a reference object, as CW returns them. */
export function refWithHref(ref: JsonObject | null | undefined, name: string, href: string | null): JsonObject | null {
  if (!ref) return null;
  return href ? { ...ref, _info: { [`${name}_href`]: href } } : { ...ref };
}
