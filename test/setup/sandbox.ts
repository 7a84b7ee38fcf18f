import { env } from "cloudflare:test";
import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";

/** The sandbox's fixed local origin (README, Quick start); connections in tests point at it. */
export const SANDBOX_ORIGIN = "http://localhost:8788";

/**
 * Routes every outbound fetch of the Worker under test (its queue consumers and Durable
 * Objects run in this isolate) to the sandbox auxiliary worker. Anything else fails the
 * test: no request may leave for an address we did not mean.
 */
export function routeFetchToSandbox() {
  return vi.spyOn(globalThis, "fetch").mockImplementation(sandboxFetch);
}

async function sandboxFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  if (new URL(request.url).origin === SANDBOX_ORIGIN) return env.SANDBOX.fetch(request);
  throw new Error(`Unexpected outbound request in a test: ${request.method} ${request.url}`);
}

/**
 * For long runs (chaos, load, benchmarks): routes fetch to the sandbox for the whole file
 * without a spy (a spy keeps every call's arguments and result, ~100,000 in a load run),
 * and clears the sandbox's fault rules at the end.
 */
export function useSandboxForFile(): void {
  const realFetch = globalThis.fetch;
  beforeAll(() => {
    globalThis.fetch = sandboxFetch;
  });
  afterAll(async () => {
    await sandboxControl("/faults", { method: "DELETE" });
    globalThis.fetch = realFetch;
  });
}

/** Calls a sandbox control endpoint (`/_sandbox/...`). */
export async function sandboxControl(path: string, init?: RequestInit): Promise<Response> {
  const res = await env.SANDBOX.fetch(new Request(`${SANDBOX_ORIGIN}/_sandbox${path}`, init));
  if (!res.ok) throw new Error(`sandbox ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

export interface SandboxDelivery {
  id: number;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Both null while the sandbox is still sending it. */
  status: number | null;
  error: string | null;
}

/** Callbacks and webhooks the sandbox sent after `sinceId` (it cannot reach the test Worker itself). */
export async function sandboxDeliveries(sinceId = 0): Promise<SandboxDelivery[]> {
  const res = await sandboxControl(`/deliveries?sinceId=${sinceId}`);
  return ((await res.json()) as { deliveries: SandboxDelivery[] }).deliveries;
}

/** Routes the Worker's outbound fetch to the sandbox for every test of the calling file. */
export function useSandbox(): void {
  let spy: ReturnType<typeof routeFetchToSandbox> | undefined;
  beforeEach(() => {
    spy = routeFetchToSandbox();
  });
  afterEach(() => spy?.mockRestore());
}
