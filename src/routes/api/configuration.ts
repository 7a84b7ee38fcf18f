import { Hono, type Context } from "hono";
import type { z } from "zod";
import { AppError } from "../../lib/errors";
import { log } from "../../lib/log";
import { applyMappingsResult } from "../../schemas/accounts";
import { applyMappingsToOpenTickets } from "../../services/tasks";
import { createDb } from "../../db/client";
import { findConnectWiseConnection, findPortalConnection, loadConfiguration } from "../../db/queries/configuration";
import { connectionTestInput, connectwiseInput, mappingsInput, portalPutBody, settingsInput, testResult } from "../../schemas/settings";
import { connectPortalToken, publicConnectWise, publicPortal, saveConnectWise, type Actor } from "../../services/configuration-connections";
import { saveAdvancedSettings, type SaveOutcome } from "../../services/configuration-settings";
import { runConnectionTest } from "../../services/connection-test";
import { requireAdminScope, type ApiEnv } from "./auth";
import { registerOperation } from "./openapi";
import { problem } from "./problem";
import { readJson } from "./validate";

/** Connections (secrets write-only), mappings, settings, test connection. The tenant is the token's. */
export const configurationApi = new Hono<ApiEnv>();
type Ctx = Context<ApiEnv>;

const actorOf = (c: Ctx): Actor => ({ tenantId: c.get("tenantId"), userId: null });
const db = (c: Ctx) => createDb(c.env.DB);
/** Form field names (`priority.low`) → API body paths (`priorities.low`). */
const apiPath = (field: string) => field.replace(/^priority\./, "priorities.").replace(/^status\./, "statuses.");

function refused(c: Ctx, result: Extract<SaveOutcome, { ok: false }>) {
  return problem(c, 400, "Invalid settings", { detail: result.choices.problem ?? result.message, errors: Object.entries(result.errors).map(([path, message]) => ({ path: apiPath(path), message })) });
}

registerOperation({ method: "get", path: "/connections/portal", summary: "The Support Portal connection (never a secret)", scope: "read" });
configurationApi.get("/connections/portal", async (c) => c.json(publicPortal(await findPortalConnection(db(c), c.get("tenantId")))));

registerOperation({ method: "put", path: "/connections/portal", summary: "Connect the portal (the deployment's PORTAL_BASE_URL) with an API token, or change its ClusterID field", scope: "admin", body: portalPutBody });
configurationApi.put("/connections/portal", requireAdminScope, async (c) => {
  const body = await readJson(c, portalPutBody);
  if (!body.ok) return body.response;
  const result = await connectPortalToken(c.env, db(c), actorOf(c), body.value);
  if (!result.ok) return problem(c, 400, "Portal connection refused", { detail: result.message, errors: [{ path: result.field ?? "apiToken", message: result.message }] });
  return c.json(publicPortal(await findPortalConnection(db(c), c.get("tenantId"))));
});

registerOperation({ method: "get", path: "/connections/connectwise", summary: "The ConnectWise connection (the private key is write-only)", scope: "read" });
configurationApi.get("/connections/connectwise", async (c) => c.json(publicConnectWise(await findConnectWiseConnection(db(c), c.get("tenantId")))));

registerOperation({ method: "put", path: "/connections/connectwise", summary: "Connect ConnectWise or rotate its keys (codebase looked up; privateKey may be omitted only while site, companyId, publicKey and clientId stay the same)", scope: "admin", body: connectwiseInput });
configurationApi.put("/connections/connectwise", requireAdminScope, async (c) => {
  const body = await readJson(c, connectwiseInput);
  if (!body.ok) return body.response;
  const result = await saveConnectWise(c.env, db(c), actorOf(c), body.value, { requestOrigin: new URL(c.req.url).origin });
  if (!result.ok) return problem(c, 400, "ConnectWise connection refused", { detail: result.message, errors: [{ path: result.field ?? "site", message: result.message }] });
  return c.json(publicConnectWise(await findConnectWiseConnection(db(c), c.get("tenantId"))));
});

registerOperation({ method: "post", path: "/connections/test", summary: "Test both connections and the ConnectWise API member's permissions", scope: "admin", body: connectionTestInput, response: testResult });
configurationApi.post("/connections/test", requireAdminScope, async (c) => {
  let testTicket = false;
  // An empty body means the defaults (no test ticket).
  if (c.req.header("content-type") || c.req.header("content-length") !== undefined) {
    const body = await readJson(c, connectionTestInput);
    if (!body.ok) return body.response;
    testTicket = body.value.testTicket;
  }
  return c.json(await runConnectionTest(c.env, db(c), actorOf(c), { testTicket }));
});

registerOperation({ method: "get", path: "/settings", summary: "Board, default company, ClusterID match field, sync-from date, what activity on a closed ConnectWise ticket does, whether the portal organisation's requests are synced", scope: "read" });
configurationApi.get("/settings", async (c) => {
  const s = (await loadConfiguration(db(c), c.get("tenantId"))).settings;
  return c.json({
    boardId: s?.boardId ?? null,
    boardName: s?.boardName ?? null,
    defaultCompanyId: s?.defaultCompanyId ?? null,
    defaultCompanyName: s?.defaultCompanyName ?? null,
    matchField: s?.matchField ?? "serialNumber",
    syncFrom: s?.syncFrom ?? null,
    closedTicketActivity: s?.closedTicketActivity ?? "reopen",
    syncOrganisation: s?.syncOrganisation ?? false,
    // The Requests API (end-user mode) makes every comment public: informational, not settable.
    commentsPublic: true,
  });
});

registerOperation({ method: "put", path: "/settings", summary: "Save settings (checked against live ConnectWise); returns the changes for the next sync", scope: "admin", body: settingsInput });
configurationApi.put("/settings", requireAdminScope, async (c) => {
  const body = await readJson(c, settingsInput);
  if (!body.ok) return body.response;
  const result = await saveAdvancedSettings(c.env, db(c), actorOf(c), { settings: body.value });
  if (!result.ok) return refused(c, result);
  return c.json({ saved: true, changes: result.changes });
});

registerOperation({ method: "get", path: "/mappings", summary: "Priority and status mappings", scope: "read" });
configurationApi.get("/mappings", async (c) => {
  const config = await loadConfiguration(db(c), c.get("tenantId"));
  return c.json({
    priorities: Object.fromEntries(config.priorities.map((p) => [p.portalValue, { id: p.cwPriorityId, name: p.cwPriorityName }])),
    statuses: Object.fromEntries(config.statuses.map((s) => [s.portalValue, { id: s.cwStatusId, name: s.cwStatusName, closed: s.cwStatusClosed }])),
  });
});

registerOperation({
  method: "post",
  path: "/mappings/apply",
  summary: "Apply the current priority and status mappings to every open linked ticket (flags them, starts a run)",
  scope: "admin",
  response: applyMappingsResult,
});
configurationApi.post("/mappings/apply", requireAdminScope, async (c) => {
  try {
    const r = await applyMappingsToOpenTickets(c.env, c.get("tenantId"), { userId: null, via: `API token ${c.get("tokenId")}` }, log);
    return c.json({ runId: r.runId, status: r.status, message: r.message, flagged: r.flagged } satisfies z.infer<typeof applyMappingsResult>, r.status === "queued" ? 202 : 200);
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict") return problem(c, 409, "Cannot run this task now", { detail: err.message });
    if (err instanceof AppError && err.code === "rate_limited") {
      c.header("retry-after", String(err.retryAfter ?? 60));
      return problem(c, 429, "Too many requests for this task", { detail: err.message });
    }
    throw err;
  }
});

registerOperation({ method: "put", path: "/mappings", summary: "Save both mapping tables (every portal value mapped; solved/closed to closed statuses)", scope: "admin", body: mappingsInput });
configurationApi.put("/mappings", requireAdminScope, async (c) => {
  const body = await readJson(c, mappingsInput);
  if (!body.ok) return body.response;
  const result = await saveAdvancedSettings(c.env, db(c), actorOf(c), { mappings: body.value });
  if (!result.ok) return refused(c, result);
  return c.json({ saved: true, changes: result.changes });
});
