import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { DEMO_PORTAL } from "../../src/demo-data";
import { zendeskContract } from "../support/contract";

export const ORIGIN = "http://localhost:8788";
export const ZD = `${ORIGIN}/zendesk`;
const AGENT = { email: "agent@easyconnect.test", token: "agent-portal-token" };

export const basicToken = (email: string, token: string) => `Basic ${btoa(`${email}/token:${token}`)}`;
export const USER_AUTH = basicToken(DEMO_PORTAL.userEmail, DEMO_PORTAL.apiToken);
export const AGENT_AUTH = basicToken(AGENT.email, AGENT.token);
export const OTHER_AUTH = basicToken("it@globex-msp.test", "globex-portal-token");

export async function resetSandbox(): Promise<void> {
  const res = await SELF.fetch(`${ORIGIN}/_sandbox/reset`, { method: "POST" });
  expect(res.status).toBe(200);
}

/** Calls the emulator; `body` objects are sent as JSON. */
type CustomField = { id: number; value: unknown };
export type RequestJson = {
  id: number;
  url: string;
  subject: string;
  description: string;
  status: string;
  priority?: string;
  requester_id: number;
  custom_fields: CustomField[];
  can_be_solved_by_me: boolean;
  created_at: string;
  updated_at: string;
};
export type TicketJson = RequestJson & { tags: string[]; assignee_id?: number };
type Attachment = { id: number; file_name: string; content_url: string; content_type: string; size: number };
export type CommentJson = {
  id: number;
  type: string;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  author_id: number;
  created_at: string;
  attachments: Attachment[];
  via: { channel: string };
  metadata: Record<string, unknown>;
};
export type CursorPage = {
  meta: { has_more: boolean; after_cursor: string | null; before_cursor: string | null };
  links: { next: string | null; prev: string | null };
};
export type OffsetPage = { next_page: string | null; previous_page: string | null; count: number };
export type ErrorJson = {
  error: string | { title: string; message: string };
  description?: string;
  details?: Record<string, { description: string }[]>;
  error_description?: string;
};

/** Calls the emulator; `body` objects are sent as JSON. `T` is the body shape the test expects. */
export async function zd<T = ErrorJson>(
  path: string,
  opts: { method?: string; auth?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; json: T }> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.auth) headers.authorization = opts.auth;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await SELF.fetch(path.startsWith("http") ? path : `${ZD}${path}`, {
    method: opts.method ?? "GET",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    redirect: "manual",
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : null) as T };
}

export function expectContract(method: string, template: string, status: number, body: unknown): void {
  expect(zendeskContract(method, template, status, body)).toEqual({ valid: true });
}
