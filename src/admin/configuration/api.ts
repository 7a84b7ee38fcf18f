import { OpenAPIHono, z } from "@hono/zod-openapi";
import { findConnectWiseConnection, findPortalConnection, loadConfiguration } from "../../db/queries/configuration";
import { applyMappingsResult } from "../../schemas/accounts";
import { connectwiseConnectionResponse, mappingsResponse, portalConnectionResponse, savedResponse, settingsResponse } from "./api-schemas";
import { connectionTestInput, connectwiseInput, mappingsInput, portalPutBody, settingsInput } from "./schemas";
import { testResult } from "../../domain/connection-test";
import { configurationActor, connectPortalToken, publicConnectWise, publicPortal, saveConnectWise } from "./connections";
import { saveAdvancedSettings } from "./settings";
import { runConnectionTest } from "./connection-test";
import { applyMappingsToOpenTickets } from "../tasks/service";
import type { ApiEnv } from "../shared/context";
import { apiRoute, jsonBody, jsonResponse, locationHeader, runLocation } from "../shared/api/openapi";
import { problemResponses } from "../shared/api/problem";

/** Connections (secrets write-only), mappings, settings, test connection. The tenant is the token's. */
export const configurationApi = new OpenAPIHono<ApiEnv>();

/** A body is read, so: invalid (400), too large (413), not JSON (415). */
const bodyProblems = problemResponses(400, 413, 415);

const getPortalConnection = apiRoute("read", {
  method: "get",
  path: "/connections/portal",
  operationId: "getPortalConnection",
  summary: "The Support Portal connection (never a secret)",
  responses: { 200: jsonResponse(portalConnectionResponse, "The connection, or configured: false") },
});
configurationApi.openapi(getPortalConnection, async (c) => c.json(publicPortal(await findPortalConnection(c.var.db, c.var.tenantId)), 200));

const putPortalConnection = apiRoute("admin", {
  method: "put",
  path: "/connections/portal",
  operationId: "putPortalConnection",
  summary: "Connect the portal (the deployment's PORTAL_BASE_URL) with an API token, or change its ClusterID field",
  request: { body: jsonBody(portalPutBody) },
  responses: { 200: jsonResponse(portalConnectionResponse, "The saved connection"), ...bodyProblems },
});
configurationApi.openapi(putPortalConnection, async (c) => {
  await connectPortalToken(c.env, c.var.db, configurationActor(c.var), c.req.valid("json"));
  return c.json(publicPortal(await findPortalConnection(c.var.db, c.var.tenantId)), 200);
});

const getConnectWiseConnection = apiRoute("read", {
  method: "get",
  path: "/connections/connectwise",
  operationId: "getConnectWiseConnection",
  summary: "The ConnectWise connection (the private key is write-only)",
  responses: { 200: jsonResponse(connectwiseConnectionResponse, "The connection, or configured: false") },
});
configurationApi.openapi(getConnectWiseConnection, async (c) => c.json(publicConnectWise(await findConnectWiseConnection(c.var.db, c.var.tenantId)), 200));

const putConnectWiseConnection = apiRoute("admin", {
  method: "put",
  path: "/connections/connectwise",
  operationId: "putConnectWiseConnection",
  summary:
    "Connect ConnectWise or rotate its keys (codebase looked up; privateKey may be omitted only while site, companyId, publicKey and clientId stay the same)",
  request: { body: jsonBody(connectwiseInput) },
  responses: { 200: jsonResponse(connectwiseConnectionResponse, "The saved connection"), ...bodyProblems },
});
configurationApi.openapi(putConnectWiseConnection, async (c) => {
  await saveConnectWise(c.env, c.var.db, configurationActor(c.var), c.req.valid("json"), { requestOrigin: new URL(c.req.url).origin });
  return c.json(publicConnectWise(await findConnectWiseConnection(c.var.db, c.var.tenantId)), 200);
});

const testConnections = apiRoute("admin", {
  method: "post",
  path: "/connections/test",
  operationId: "testConnections",
  summary: "Test both connections and the ConnectWise API member's permissions (no body: no test ticket)",
  request: { body: { required: false, content: { "application/json": { schema: connectionTestInput } } } },
  responses: { 200: jsonResponse(testResult, "One line per check"), ...bodyProblems },
});
configurationApi.openapi(testConnections, async (c) => {
  // Without a body the validator hands over {} unparsed: no test ticket.
  const testTicket = c.req.valid("json").testTicket === true;
  return c.json(await runConnectionTest(c.env, c.var.db, configurationActor(c.var), { testTicket }), 200);
});

const getSettings = apiRoute("read", {
  method: "get",
  path: "/settings",
  operationId: "getSettings",
  summary:
    "Board, default company, ClusterID match field, sync-from date, what activity on a closed ConnectWise ticket does, whether the portal organisation's requests are synced",
  responses: { 200: jsonResponse(settingsResponse, "The settings (defaults before the first save)") },
});
configurationApi.openapi(getSettings, async (c) => {
  const s = (await loadConfiguration(c.var.db, c.var.tenantId)).settings;
  return c.json(
    {
      boardId: s?.boardId ?? null,
      boardName: s?.boardName ?? null,
      defaultCompanyId: s?.defaultCompanyId ?? null,
      defaultCompanyName: s?.defaultCompanyName ?? null,
      matchField: s?.matchField ?? "serialNumber",
      syncFrom: s?.syncFrom ?? null,
      closedTicketActivity: s?.closedTicketActivity ?? "reopen",
      syncOrganisation: s?.syncOrganisation ?? false,
      commentsPublic: true as const,
    },
    200,
  );
});

const putSettings = apiRoute("admin", {
  method: "put",
  path: "/settings",
  operationId: "putSettings",
  summary: "Save settings (checked against live ConnectWise); returns the changes for the next sync",
  request: { body: jsonBody(settingsInput) },
  responses: { 200: jsonResponse(savedResponse, "Saved, with the changes in words"), ...bodyProblems },
});
configurationApi.openapi(putSettings, async (c) => {
  const { changes } = await saveAdvancedSettings(c.env, c.var.db, configurationActor(c.var), { settings: c.req.valid("json") });
  return c.json({ saved: true as const, changes }, 200);
});

const getMappings = apiRoute("read", {
  method: "get",
  path: "/mappings",
  operationId: "getMappings",
  summary: "Priority and status mappings",
  responses: { 200: jsonResponse(mappingsResponse, "Both mapping tables, keyed by portal value") },
});
configurationApi.openapi(getMappings, async (c) => {
  const config = await loadConfiguration(c.var.db, c.var.tenantId);
  return c.json(
    {
      priorities: Object.fromEntries(config.priorities.map((p) => [p.portalValue, { id: p.cwPriorityId, name: p.cwPriorityName }])),
      statuses: Object.fromEntries(config.statuses.map((s) => [s.portalValue, { id: s.cwStatusId, name: s.cwStatusName, closed: s.cwStatusClosed }])),
    },
    200,
  );
});

const putMappings = apiRoute("admin", {
  method: "put",
  path: "/mappings",
  operationId: "putMappings",
  summary: "Save both mapping tables (every portal value mapped; solved/closed to closed statuses)",
  request: { body: jsonBody(mappingsInput) },
  responses: { 200: jsonResponse(savedResponse, "Saved, with the changes in words"), ...bodyProblems },
});
configurationApi.openapi(putMappings, async (c) => {
  const { changes } = await saveAdvancedSettings(c.env, c.var.db, configurationActor(c.var), { mappings: c.req.valid("json") });
  return c.json({ saved: true as const, changes }, 200);
});

const applyMappings = apiRoute("admin", {
  method: "post",
  path: "/mappings/apply",
  operationId: "applyMappings",
  summary: "Apply the current priority and status mappings to every open linked ticket (flags them, starts a run)",
  responses: {
    200: jsonResponse(applyMappingsResult, "Flagged, but no run started (one is in progress: it picks them up)"),
    202: { ...jsonResponse(applyMappingsResult, "Flagged, and a run queued"), headers: z.object({ location: locationHeader }) },
    ...problemResponses(409, 429),
  },
});
configurationApi.openapi(applyMappings, async (c) => {
  const r = await applyMappingsToOpenTickets(c.env, c.var.db, c.var.tenantId, c.var.actor, c.var.log);
  const body = { runId: r.runId, status: r.status, message: r.message, flagged: r.flagged };
  return r.status === "queued" ? c.json(body, 202, { location: runLocation(r.runId) }) : c.json(body, 200);
});
