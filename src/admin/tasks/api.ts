import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bulkResyncBody, bulkResyncResult, resyncParams, taskResult, tenantStatus as tenantStatusSchema } from "../../schemas/accounts";
import { rotateHookAddresses } from "../../webhooks/hook-addresses";
import { resyncTicket, resyncTickets, setPaused, syncNow, TASK_MESSAGES, describeTenantStatus, type TaskResult } from "./service";
import type { ApiEnv } from "../shared/context";
import { apiRoute, jsonBody, jsonResponse, locationHeader, runLocation } from "../shared/api/openapi";
import { problemResponses } from "../shared/api/problem";

/**
 * Tasks: sync now, resync tickets, pause/resume, status. The tenant is the token's.
 * A task refused for the tenant's state (paused, disabled) is a 409, over its allowance
 * a 429 (the API's error handler answers both from the service's AppError).
 */
export const tasksApi = new OpenAPIHono<ApiEnv>();
type Ctx = Context<ApiEnv>;

const pausedResult = z.object({ paused: z.boolean(), message: z.string() });
const rotatedHooks = z.object({ portalHookUrl: z.string(), connectwise: z.string(), message: z.string() });

/** 202 (with Location: the run) when a run was queued; 200 when one in progress covers the request. */
function taskResponses<T extends z.ZodType>(schema: T) {
  return {
    200: jsonResponse(schema, "Recorded; a run already in progress covers it (status skipped)"),
    202: { ...jsonResponse(schema, "A run was queued: follow it at Location"), headers: z.object({ location: locationHeader }) },
    ...problemResponses(409, 429),
  };
}

/** The answer to a task: 202 with Location when a run was queued. */
function accepted<T extends Pick<TaskResult, "runId" | "status">>(c: Ctx, body: T) {
  return body.status === "queued" ? c.json(body, 202, { location: runLocation(body.runId) }) : c.json(body, 200);
}
const taskBody = (r: TaskResult) => ({ runId: r.runId, status: r.status, message: r.message });

const rotateHooks = apiRoute("admin", {
  method: "post",
  path: "/hooks/rotate",
  operationId: "rotateHooks",
  summary: "New webhook addresses (the old ones answer 404 at once); moves the ConnectWise callback, returns the portal webhook's new address",
  responses: { 200: jsonResponse(rotatedHooks, "The new addresses") },
});
tasksApi.openapi(rotateHooks, async (c) => {
  const origin = c.env.PUBLIC_URL || new URL(c.req.url).origin;
  const r = await rotateHookAddresses(c.env, c.var.db, c.get("tenantId"), c.var.actor, origin, c.var.log);
  return c.json({ ...r, message: "Webhook addresses rotated: the old ones no longer answer. Point the portal webhook at portalHookUrl." }, 200);
});

const getStatus = apiRoute("read", {
  method: "get",
  path: "/status",
  operationId: "getStatus",
  summary: "Paused, needs attention, last run",
  responses: { 200: jsonResponse(tenantStatusSchema, "The tenant's sync status") },
});
tasksApi.openapi(getStatus, async (c) => c.json(await describeTenantStatus(c.var.db, c.get("tenantId")), 200));

const syncNowRoute = apiRoute("admin", {
  method: "post",
  path: "/sync",
  operationId: "syncNow",
  summary: "Sync now (recorded as skipped when a run is in progress)",
  responses: taskResponses(taskResult),
});
tasksApi.openapi(syncNowRoute, async (c) => accepted(c, taskBody(await syncNow(c.env, c.var.db, c.get("tenantId"), c.var.actor, c.var.log))));

const resyncTicketRoute = apiRoute("admin", {
  method: "post",
  path: "/tickets/{portalTicketId}/resync",
  operationId: "resyncTicket",
  summary: "Resync one portal ticket in full, then start a run",
  request: { params: resyncParams },
  responses: { ...taskResponses(taskResult), ...problemResponses(400, 404) },
});
tasksApi.openapi(resyncTicketRoute, async (c) =>
  accepted(c, taskBody(await resyncTicket(c.env, c.var.db, c.get("tenantId"), c.req.valid("param").portalTicketId, c.var.actor, c.var.log))),
);

const resyncTicketsRoute = apiRoute("admin", {
  method: "post",
  path: "/tickets/resync",
  operationId: "resyncTickets",
  summary: 'Resync tickets in bulk: by warning (a code or "any"), state, or ids (at most 1,000 a call), then start a run',
  request: { body: jsonBody(bulkResyncBody) },
  responses: { ...taskResponses(bulkResyncResult), ...problemResponses(400, 404, 413, 415) },
});
tasksApi.openapi(resyncTicketsRoute, async (c) => {
  const r = await resyncTickets(c.env, c.var.db, c.get("tenantId"), c.req.valid("json"), c.var.actor, c.var.log);
  return accepted(c, { ...taskBody(r), flagged: r.flagged, more: r.more });
});

for (const [path, paused] of [
  ["/pause", true],
  ["/resume", false],
] as const) {
  const route = apiRoute("admin", {
    method: "post",
    path,
    operationId: paused ? "pauseSync" : "resumeSync",
    summary: paused ? "Pause scheduled syncing" : "Resume scheduled syncing",
    responses: { 200: jsonResponse(pausedResult, "The new state") },
  });
  tasksApi.openapi(route, async (c) => {
    const code = await setPaused(c.var.db, c.get("tenantId"), paused, c.var.actor);
    return c.json({ paused, message: TASK_MESSAGES[code] }, 200);
  });
}
