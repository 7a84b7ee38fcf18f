import { z } from "zod";
import { sandboxControl } from "./sandbox";

const loggedCall = z.object({
  id: z.number(),
  at: z.string(),
  method: z.string(),
  path: z.string(),
  status: z.number(),
  fault: z.string().nullable(),
  caller: z.string().nullable(),
});
export type LoggedCall = z.infer<typeof loggedCall>;
const page = z.object({ requests: z.array(loggedCall) });
const PAGE = 50_000;

/** The sandbox's request log for one API after `sinceId`, page by page (a load run logs ~100,000 calls). */
export async function sandboxCalls(api: "zendesk" | "connectwise", sinceId = 0): Promise<LoggedCall[]> {
  const all: LoggedCall[] = [];
  for (;;) {
    const res = await sandboxControl(`/requests?api=${api}&limit=${PAGE}&sinceId=${all.at(-1)?.id ?? sinceId}`);
    const { requests } = page.parse(await res.json());
    all.push(...requests);
    if (requests.length < PAGE) return all;
  }
}

/** Makes the sandbox enforce the real systems' limits (Zendesk: the account; ConnectWise: each API member). */
export async function setSandboxLimits(limits: { zendesk: number; connectwise: number }): Promise<void> {
  for (const [api, perMinute] of Object.entries(limits)) {
    await sandboxControl("/limits", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ api, perMinute }) });
  }
}

export const clearSandboxLimits = async () => void (await sandboxControl("/limits", { method: "DELETE" }));

/** A call the sandbox refused for its rate limit (not a fault rule's 429). */
export const rateLimited = (c: LoggedCall) => c.fault === "rate_limit";
