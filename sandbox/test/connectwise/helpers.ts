import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { DEMO_CONNECTWISE } from "../../src/demo-data";
import { connectwiseContract } from "../support/contract";

export const SITE = "http://localhost:8788/cw";
export const API = `${SITE}/v4_6_release/apis/3.0`;
export const AUTH = `Basic ${btoa(`${DEMO_CONNECTWISE.companyId}+${DEMO_CONNECTWISE.publicKey}:${DEMO_CONNECTWISE.privateKey}`)}`;
export const ACCEPT = "application/vnd.connectwise.com+json; version=2025.8";

/** An authenticated call as a documented client makes it. `path` is relative to apis/3.0. */
export function cw(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  return SELF.fetch(`${API}${path}`, {
    method: init.method ?? "GET",
    headers: { Authorization: AUTH, clientId: DEMO_CONNECTWISE.clientId, Accept: ACCEPT, "Content-Type": "application/json", ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Asserts the status and that the body matches the contract's schema for that operation. */
export async function expectContract<T = Record<string, unknown>>(res: Response, method: string, template: string, status: number): Promise<T> {
  expect(res.status).toBe(status);
  const body: unknown = await res.json();
  const result = connectwiseContract(method, template, status, body);
  expect(result).toEqual({ valid: true });
  return body as T;
}

export async function resetSandbox(): Promise<void> {
  const res = await SELF.fetch("http://localhost:8788/_sandbox/reset", { method: "POST" });
  expect(res.status).toBe(200);
}

export type Ticket = {
  id: number;
  summary: string;
  company: { id: number; identifier: string; name: string; _info?: Record<string, string> };
  board: { id: number; name: string };
  status: { id: number; name: string };
  priority: { id: number; name: string };
  closedFlag: boolean;
  externalXRef?: string;
  _info: Record<string, string>;
  [key: string]: unknown;
};

export async function createTicket(body: Record<string, unknown>): Promise<Ticket> {
  const res = await cw("/service/tickets", { method: "POST", body });
  expect(res.status).toBe(201);
  return json<Ticket>(res);
}

export async function companyId(name: string): Promise<number> {
  const res = await cw(`/company/companies?conditions=${encodeURIComponent(`name="${name}"`)}`);
  const [company] = await json<{ id: number }[]>(res);
  if (!company) throw new Error(`no company ${name}`);
  return company.id;
}
