import type { FetchLike } from "../../../src/egress/fetch";

export interface SeenRequest {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

type Reply = Response | ((req: SeenRequest) => Response | Promise<Response>);

/** A scripted transport: answers in order and records what the client sent. */
export function scriptedFetch(...replies: Reply[]): FetchLike & { seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const entry = { method: req.method, url: req.url, headers: req.headers, body: req.body ? await req.text() : "" };
    seen.push(entry);
    const reply = replies.shift();
    if (!reply) throw new Error(`unscripted request ${req.method} ${req.url}`);
    return typeof reply === "function" ? reply(entry) : reply;
  };
  return Object.assign(fn, { seen });
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
