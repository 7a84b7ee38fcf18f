import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { portalBaseUrl } from "../../egress/fetch";
import {
  failureResponse,
  failuresPageResponse,
  replayResponse,
  runDetailResponse,
  runsPageResponse,
  ticketsPageResponse,
  ticketTimelineResponse,
} from "./api-schemas";
import { failureDetail, failuresPage, runDetail, runsPage, ticketsPage, ticketTimeline } from "./service";
import { failureIdParam, failuresQuery, portalTicketIdParam, runIdParam, runsQuery, runTicketsQuery, ticketsQuery } from "./params";
import { replayAll, replayOne, replaySummary, type ReplayResult } from "./replay";
import type { ApiEnv } from "../shared/context";
import { apiRoute, jsonResponse } from "../shared/api/openapi";
import { problemResponses } from "../shared/api/problem";

/** Runs, tickets and timelines, failures. The tenant is the token's, never the URL's. */
export const monitoringApi = new OpenAPIHono<ApiEnv>();
type Ctx = Context<ApiEnv>;

/** The replay audit reads "Replayed … with API token tok_…". */
const withToken = (c: Ctx) => ({ ...c.var.actor, via: `with ${c.var.actor.via}` });
const withSummary = (r: ReplayResult) => ({ ...r, summary: replaySummary(r) });

const listRuns = apiRoute("read", {
  method: "get",
  path: "/runs",
  operationId: "listRuns",
  summary: "List sync runs, newest first (keyset-paged)",
  request: { query: runsQuery },
  responses: { 200: jsonResponse(runsPageResponse, "A page of runs"), ...problemResponses(400) },
});
monitoringApi.openapi(listRuns, async (c) => c.json(await runsPage(c.var.db, c.get("tenantId"), c.req.valid("query")), 200));

const getRun = apiRoute("read", {
  method: "get",
  path: "/runs/{runId}",
  operationId: "getRun",
  summary: "One run: status, counts, live progress and its tickets (`after` pages them); where a 202 points",
  request: { params: z.object({ runId: runIdParam }), query: runTicketsQuery },
  responses: { 200: jsonResponse(runDetailResponse, "The run"), ...problemResponses(400, 404) },
});
monitoringApi.openapi(getRun, async (c) => c.json(await runDetail(c.var.db, c.get("tenantId"), c.req.valid("param").runId, c.req.valid("query").after), 200));

const listTickets = apiRoute("read", {
  method: "get",
  path: "/tickets",
  operationId: "listTickets",
  summary: "Search linked tickets by portal id, ConnectWise id or summary; filter by state and warning (keyset-paged)",
  request: { query: ticketsQuery },
  responses: { 200: jsonResponse(ticketsPageResponse, "A page of linked tickets"), ...problemResponses(400) },
});
monitoringApi.openapi(listTickets, async (c) => c.json(await ticketsPage(c.var.db, c.get("tenantId"), c.req.valid("query")), 200));

const getTicket = apiRoute("read", {
  method: "get",
  path: "/tickets/{portalTicketId}",
  operationId: "getTicket",
  summary: "One linked ticket with its timeline of sync actions and mirrored comments",
  request: { params: z.object({ portalTicketId: portalTicketIdParam }) },
  responses: { 200: jsonResponse(ticketTimelineResponse, "The ticket and its timeline"), ...problemResponses(400, 404) },
});
monitoringApi.openapi(getTicket, async (c) =>
  c.json(await ticketTimeline(c.var.db, c.get("tenantId"), c.req.valid("param").portalTicketId, portalBaseUrl(c.env)), 200),
);

const listFailures = apiRoute("read", {
  method: "get",
  path: "/failures",
  operationId: "listFailures",
  summary: "Dead-lettered or refused messages with their replay state (keyset-paged)",
  request: { query: failuresQuery },
  responses: { 200: jsonResponse(failuresPageResponse, "A page of failures"), ...problemResponses(400) },
});
monitoringApi.openapi(listFailures, async (c) => c.json(await failuresPage(c.var.db, c.get("tenantId"), c.req.valid("query")), 200));

const replayFailures = apiRoute("admin", {
  method: "post",
  path: "/failures/replay",
  operationId: "replayFailures",
  summary: "Replay every failure not yet replayed (up to 500 per call)",
  responses: { 200: jsonResponse(replayResponse, "What was replayed, kept or deferred") },
});
monitoringApi.openapi(replayFailures, async (c) => c.json(withSummary(await replayAll(c.env, c.var.db, c.get("tenantId"), withToken(c), c.var.log)), 200));

const failureParams = z.object({ failureId: failureIdParam });

const getFailure = apiRoute("read", {
  method: "get",
  path: "/failures/{failureId}",
  operationId: "getFailure",
  summary: "One failure",
  request: { params: failureParams },
  responses: { 200: jsonResponse(failureResponse, "The failure"), ...problemResponses(400, 404) },
});
monitoringApi.openapi(getFailure, async (c) => c.json(await failureDetail(c.var.db, c.get("tenantId"), c.req.valid("param").failureId), 200));

const replayFailure = apiRoute("admin", {
  method: "post",
  path: "/failures/{failureId}/replay",
  operationId: "replayFailure",
  summary: "Replay one failure: its message is sent to its queue again",
  request: { params: failureParams },
  responses: { 200: jsonResponse(replayResponse, "What was replayed"), ...problemResponses(400, 404, 409) },
});
monitoringApi.openapi(replayFailure, async (c) =>
  c.json(withSummary(await replayOne(c.env, c.var.db, c.get("tenantId"), c.req.valid("param").failureId, withToken(c), c.var.log)), 200),
);
