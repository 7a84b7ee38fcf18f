import { Hono, type Context } from "hono";
import { z } from "zod";
import { createDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { log } from "../../lib/log";
import { bulkResyncBody, bulkResyncResult, resyncParams, taskResult, tenantStatus as tenantStatusSchema } from "../../schemas/accounts";
import { rotateHookAddresses } from "../../services/push";
import { resyncTicket, resyncTickets, setPaused, syncNow, TASK_MESSAGES, tenantStatus } from "../../services/tasks";
import { requireAdminScope, type ApiEnv } from "./auth";
import { registerOperation } from "./openapi";
import { fieldErrors, problem } from "./problem";

/** Tasks: sync now, resync a ticket, pause/resume, status. The tenant is the token's. */
export const tasksApi = new Hono<ApiEnv>();
type Ctx = Context<ApiEnv>;

const actor = (c: Ctx) => ({ userId: null, via: `API token ${c.get("tokenId")}` });
const pausedResult = z.object({ paused: z.boolean(), message: z.string() });

/** A task refused for the tenant's state (paused, disabled) is a 409 with the reason; over its allowance, a 429. */
async function task(c: Ctx, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict") return problem(c, 409, "Cannot run this task now", { detail: err.message });
    if (err instanceof AppError && err.code === "rate_limited") {
      c.header("retry-after", String(err.retryAfter ?? 60));
      return problem(c, 429, "Too many requests for this task", { detail: err.message });
    }
    if (err instanceof AppError && err.code === "not_found") return problem(c, 404, "Not found", { detail: err.message });
    throw err;
  }
}

const rotatedHooks = z.object({ portalHookUrl: z.string(), connectwise: z.string(), message: z.string() });
registerOperation({ method: "post", path: "/hooks/rotate", summary: "New webhook addresses (the old ones answer 404 at once); moves the ConnectWise callback, returns the portal webhook's new address", scope: "admin", response: rotatedHooks });
tasksApi.post("/hooks/rotate", requireAdminScope, async (c) => {
  const origin = c.env.PUBLIC_URL || new URL(c.req.url).origin;
  const r = await rotateHookAddresses(c.env, createDb(c.env.DB), c.get("tenantId"), actor(c), origin, log);
  return c.json({ ...r, message: "Webhook addresses rotated: the old ones no longer answer. Point the portal webhook at portalHookUrl." } satisfies z.infer<typeof rotatedHooks>);
});

registerOperation({ method: "get", path: "/status", summary: "Paused, needs attention, last run", scope: "read", response: tenantStatusSchema });
tasksApi.get("/status", async (c) => c.json(await tenantStatus(createDb(c.env.DB), c.get("tenantId"))));

registerOperation({ method: "post", path: "/sync", summary: "Sync now (recorded as skipped when a run is in progress)", scope: "admin", response: taskResult });
tasksApi.post("/sync", requireAdminScope, (c) =>
  task(c, async () => {
    const r = await syncNow(c.env, c.get("tenantId"), actor(c), log);
    return c.json({ runId: r.runId, status: r.status, message: r.message } satisfies z.infer<typeof taskResult>, r.status === "queued" ? 202 : 200);
  }),
);

registerOperation({ method: "post", path: "/tickets/{portalTicketId}/resync", summary: "Resync one portal ticket in full, then start a run", scope: "admin", response: taskResult });
tasksApi.post("/tickets/:portalTicketId/resync", requireAdminScope, (c) => {
  const params = resyncParams.safeParse({ portalTicketId: c.req.param("portalTicketId") });
  if (!params.success) return problem(c, 400, "Invalid ticket id", { errors: fieldErrors(params.error) });
  return task(c, async () => {
    const r = await resyncTicket(c.env, c.get("tenantId"), params.data.portalTicketId, actor(c), log);
    return c.json({ runId: r.runId, status: r.status, message: r.message } satisfies z.infer<typeof taskResult>, r.status === "queued" ? 202 : 200);
  });
});

registerOperation({
  method: "post",
  path: "/tickets/resync",
  summary: "Resync tickets in bulk: by warning (a code or \"any\"), state, or ids (at most 1,000 a call), then start a run",
  scope: "admin",
  body: bulkResyncBody,
  response: bulkResyncResult,
});
tasksApi.post("/tickets/resync", requireAdminScope, async (c) => {
  const body = bulkResyncBody.safeParse(await c.req.json().catch(() => undefined));
  if (!body.success) return problem(c, 400, "Invalid bulk resync", { errors: fieldErrors(body.error) });
  return task(c, async () => {
    const r = await resyncTickets(c.env, c.get("tenantId"), body.data, actor(c), log);
    return c.json({ runId: r.runId, status: r.status, message: r.message, flagged: r.flagged, more: r.more } satisfies z.infer<typeof bulkResyncResult>, r.status === "queued" ? 202 : 200);
  });
});

for (const [path, paused] of [["/pause", true], ["/resume", false]] as const) {
  registerOperation({ method: "post", path, summary: paused ? "Pause scheduled syncing" : "Resume scheduled syncing", scope: "admin", response: pausedResult });
  tasksApi.post(path, requireAdminScope, async (c) => {
    const code = await setPaused(createDb(c.env.DB), c.get("tenantId"), paused, actor(c));
    return c.json({ paused, message: TASK_MESSAGES[code] } satisfies z.infer<typeof pausedResult>);
  });
}
