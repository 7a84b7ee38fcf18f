import { pkcePair } from "../../../src/connectors/zendesk";
import { env } from "cloudflare:test";
import { z } from "zod";
import { SANDBOX_ORIGIN, sandboxControl } from "../../setup/sandbox";

/** Goes through `globalThis.fetch` at call time, so the sandbox routing spy applies. */
export const viaGlobalFetch = (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init);

const logged = z.object({
  requests: z.array(z.object({ id: z.number(), method: z.string(), path: z.string(), status: z.number(), fault: z.string().nullable() })),
});
export type LoggedRequest = z.infer<typeof logged>["requests"][number];

/** The sandbox's request log for one API after `sinceId`. */
export async function sandboxRequests(api: "connectwise" | "zendesk", sinceId = 0): Promise<LoggedRequest[]> {
  const res = await sandboxControl(`/requests?api=${api}&sinceId=${sinceId}`);
  return logged.parse(await res.json()).requests;
}

/** The id of the newest logged request (0 when none), to count what a test does from here. */
export async function lastRequestId(api: "connectwise" | "zendesk"): Promise<number> {
  return (await sandboxRequests(api)).at(-1)?.id ?? 0;
}

export async function addFault(rule: Record<string, unknown>): Promise<void> {
  await sandboxControl("/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
}

/** Signs in on the portal's OAuth page (with a PKCE challenge) and returns the authorization code and its verifier. */
export async function portalAuthorizationCode(opts: {
  clientId: string;
  redirectUri: string;
  email: string;
  password: string;
}): Promise<{ code: string; codeVerifier: string }> {
  const pkce = await pkcePair();
  const form = new URLSearchParams({
    response_type: "code",
    client_id: opts.clientId,
    redirect_uri: opts.redirectUri,
    scope: "read write",
    state: "st",
    email: opts.email,
    password: opts.password,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
  });
  const res = await env.SANDBOX.fetch(
    new Request(`${SANDBOX_ORIGIN}/zendesk/oauth/authorizations/new`, {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    }),
  );
  const location = res.headers.get("location");
  const code = location ? new URL(location).searchParams.get("code") : null;
  if (!code) throw new Error(`no authorization code (HTTP ${res.status})`);
  return { code, codeVerifier: pkce.verifier };
}
