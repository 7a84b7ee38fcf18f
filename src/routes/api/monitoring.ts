import { portalBaseUrl } from "../../egress/fetch";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { createDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { failureDetail, failuresPage, runDetail, runsPage, ticketsPage, ticketTimeline } from "../../services/monitoring";
import { failureIdParam, failuresQuery, portalTicketIdParam, runIdParam, runsQuery, runTicketsQuery, ticketsQuery } from "../../services/monitoring-params";
import { replayAll, replayOne, replaySummary, type ReplayResult } from "../../services/monitoring-replay";
import { requireAdminScope, type ApiEnv } from "./auth";
import { registerOperation } from "./openapi";
import { fieldErrors, problem } from "./problem";

/** Runs, tickets and timelines, failures. The tenant is the token's, never the URL's. */
export const monitoringApi = new Hono<ApiEnv>();

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

function valid<T>(c: Context, schema: z.ZodType<T>, input: unknown, title: string, prefix = ""): Parsed<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors = fieldErrors(parsed.error).map((e) => ({ ...e, path: prefix ? `${prefix}${e.path === "(body)" ? "" : `.${e.path}`}` : e.path }));
  return { ok: false, response: problem(c, 400, title, { errors }) };
}

/** Service errors (bad cursor, missing id, already replayed) as problem responses. */
async function answer(c: Context, work: () => Promise<unknown>): Promise<Response> {
  try {
    return c.json(await work());
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === "invalid_payload") return problem(c, 400, "Invalid query", { errors: [{ path: "cursor", message: err.message }] });
    if (err.code === "not_found") return problem(c, 404, err.message);
    if (err.code === "conflict") return problem(c, 409, err.message);
    throw err;
  }
}

const replayResponse = z.object({
  replayed: z.array(z.number().int()),
  unparseable: z.array(z.number().int()),
  deferred: z.array(z.number().int()),
  summary: z.string(),
});
const withSummary = (r: ReplayResult) => ({ ...r, summary: replaySummary(r) });
const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const looseObject = z.looseObject({});

registerOperation({ method: "get", path: "/runs", summary: "List sync runs, newest first (keyset-paged)", scope: "read", query: runsQuery, response: pageOf(looseObject) });
monitoringApi.get("/runs", (c) => {
  const q = valid(c, runsQuery, c.req.query(), "Invalid query");
  if (!q.ok) return q.response;
  return answer(c, () => runsPage(createDb(c.env.DB), c.get("tenantId"), q.value));
});

registerOperation({ method: "get", path: "/runs/{runId}", summary: "One run: counts, live progress and its tickets (`after` pages them)", scope: "read", query: runTicketsQuery });
monitoringApi.get("/runs/:runId", (c) => {
  const id = valid(c, runIdParam, c.req.param("runId"), "Invalid run id", "runId");
  if (!id.ok) return id.response;
  const q = valid(c, runTicketsQuery, c.req.query(), "Invalid query");
  if (!q.ok) return q.response;
  return answer(c, () => runDetail(createDb(c.env.DB), c.get("tenantId"), id.value, q.value.after));
});

registerOperation({
  method: "get",
  path: "/tickets",
  summary: "Search linked tickets by portal id, ConnectWise id or summary; filter by state and warning (keyset-paged)",
  scope: "read",
  query: ticketsQuery,
  response: pageOf(looseObject),
});
monitoringApi.get("/tickets", (c) => {
  const q = valid(c, ticketsQuery, c.req.query(), "Invalid query");
  if (!q.ok) return q.response;
  return answer(c, () => ticketsPage(createDb(c.env.DB), c.get("tenantId"), q.value));
});

registerOperation({ method: "get", path: "/tickets/{portalTicketId}", summary: "One linked ticket with its timeline of sync actions and mirrored comments", scope: "read" });
monitoringApi.get("/tickets/:portalTicketId", (c) => {
  const id = valid(c, portalTicketIdParam, c.req.param("portalTicketId"), "Invalid ticket id", "portalTicketId");
  if (!id.ok) return id.response;
  return answer(c, () => ticketTimeline(createDb(c.env.DB), c.get("tenantId"), id.value, portalBaseUrl(c.env)));
});

registerOperation({ method: "get", path: "/failures", summary: "Dead-lettered or refused messages with their replay state (keyset-paged)", scope: "read", query: failuresQuery, response: pageOf(looseObject) });
monitoringApi.get("/failures", (c) => {
  const q = valid(c, failuresQuery, c.req.query(), "Invalid query");
  if (!q.ok) return q.response;
  return answer(c, () => failuresPage(createDb(c.env.DB), c.get("tenantId"), q.value));
});

registerOperation({ method: "post", path: "/failures/replay", summary: "Replay every failure not yet replayed (up to 500 per call)", scope: "admin", response: replayResponse });
monitoringApi.post("/failures/replay", requireAdminScope, (c) =>
  answer(c, async () => withSummary(await replayAll(c.env, createDb(c.env.DB), c.get("tenantId"), { userId: null, via: `with API token ${c.get("tokenId")}` }))),
);

registerOperation({ method: "get", path: "/failures/{failureId}", summary: "One failure", scope: "read" });
monitoringApi.get("/failures/:failureId", (c) => {
  const id = valid(c, failureIdParam, c.req.param("failureId"), "Invalid failure id", "failureId");
  if (!id.ok) return id.response;
  return answer(c, () => failureDetail(createDb(c.env.DB), c.get("tenantId"), id.value));
});

registerOperation({ method: "post", path: "/failures/{failureId}/replay", summary: "Replay one failure: its message is sent to its queue again", scope: "admin", response: replayResponse });
monitoringApi.post("/failures/:failureId/replay", requireAdminScope, (c) => {
  const id = valid(c, failureIdParam, c.req.param("failureId"), "Invalid failure id", "failureId");
  if (!id.ok) return id.response;
  return answer(c, async () =>
    withSummary(await replayOne(c.env, createDb(c.env.DB), c.get("tenantId"), id.value, { userId: null, via: `with API token ${c.get("tokenId")}` })),
  );
});
