import { z } from "zod";
import { connectwiseConnections, portalConnections } from "../../db/schema";
import { eq } from "drizzle-orm";
import { portalClientFor } from "../../connectors/for-tenant";
import type { ConnectWiseClient } from "../../connectors/types";
import { nowIso, type Db } from "../../db/client";
import { auditStatement } from "../../db/queries/audit";
import { loadConfiguration, upsertSettingsStatement, type Configuration, type PortalRow } from "../../db/queries/configuration";
import type { TestLine, TestResult } from "../../domain/connection-test";
import { probeConnectWise } from "./cw-probes";
import { liveFetch, portalBaseUrl, type FetchLike } from "../../egress/fetch";
import { notEndUserProblem } from "../../sync/ownership";
import { describeFailure } from "./errors";
import type { ConfigurationActor } from "./connections";

/**
 * "Test connection": both systems checked in plain words, one line per check with a fix
 * for each problem; the result is stored (and audited) so the onboarding checklist and
 * the dashboard show the last outcome. Optionally creates and closes a CW test ticket.
 */
const portalLine = (check: string, ok: boolean, detail: string, fix: string | null = null, skipped = false): TestLine => ({
  side: "portal",
  check,
  ok,
  detail,
  fix,
  skipped,
});

const firstRequestFields = z
  .object({ requests: z.array(z.object({ custom_fields: z.array(z.object({ id: z.number() }).loose()).nullish() }).loose()) })
  .loose();

async function probePortal(env: Env, row: PortalRow): Promise<TestLine[]> {
  // Keep the raw first page, to see which custom fields the portal user can see.
  let requestsBody: unknown = null;
  const capture: FetchLike = async (input, init) => {
    const res = await liveFetch(input, init);
    if (res.ok && new URL(new Request(input).url).pathname.endsWith("/api/v2/requests"))
      requestsBody = await res
        .clone()
        .json()
        .catch(() => null);
    return res;
  };
  const lines: TestLine[] = [];
  try {
    const client = await portalClientFor(env, row, capture);
    const me = await client.me();
    lines.push(
      portalLine("Authentication", true, `Signed in to ${portalBaseUrl(env)} as ${me.email} (${row.authMode === "oauth" ? "OAuth token" : "API token"})`),
    );
    const notEndUser = notEndUserProblem(me);
    lines.push(
      portalLine(
        "End user",
        notEndUser === null,
        notEndUser ?? "A plain end user: psa-sync syncs only this user's requests.",
        notEndUser ? "Connect the MSP's own end-user account." : null,
      ),
    );
    const page = await client.listRequests({ cursor: null, pageSize: 1 });
    lines.push(portalLine("Read requests", true, page.tickets.length ? "Can list requests" : "Can list requests (none yet)"));
  } catch (err) {
    const auth = lines.length === 0;
    lines.push(
      portalLine(
        auth ? "Authentication" : "Read requests",
        false,
        describeFailure(err, "portal"),
        auth
          ? row.authMode === "oauth"
            ? 'Click "Generate Token" to sign in to the portal again.'
            : "Enter a valid API token, or use Generate Token."
          : "Check that the portal user can see its organisation's requests.",
      ),
    );
    return lines;
  }
  const fieldId = row.clusterFieldId;
  const parsed = firstRequestFields.safeParse(requestsBody);
  const first = parsed.success ? parsed.data.requests[0] : undefined;
  if (!fieldId) lines.push(portalLine("ClusterID field", false, "No ClusterID field id is set.", "Enter the ClusterID custom field id and connect again."));
  else if (!first) lines.push(portalLine("ClusterID field", true, "Not checked: no request to look at yet.", null, true));
  else if ((first.custom_fields ?? []).some((f) => f.id === fieldId))
    lines.push(portalLine("ClusterID field", true, `Field ${fieldId} is visible to the portal user`));
  else
    lines.push(
      portalLine(
        "ClusterID field",
        false,
        `Field ${fieldId} is not visible on the portal user's requests.`,
        "In the portal admin, make the ClusterID field visible to end users, or correct the field id.",
      ),
    );
  return lines;
}

/** Creates a ticket on the configured board and company, then closes it; its id is reported. */
async function testTicket(cw: ConnectWiseClient, config: Configuration): Promise<{ line: TestLine; id: number | null }> {
  const boardId = config.settings?.boardId;
  const companyId = config.settings?.defaultCompanyId;
  const check = "Test ticket (create, update)";
  const outcome = (id: number | null, ok: boolean, detail: string, fix: string | null, skipped = false) => ({
    line: { side: "connectwise" as const, check, ok, skipped, detail, fix },
    id,
  });
  if (!boardId || !companyId) return outcome(null, false, "Not run: choose a board and default company in Advanced Settings first.", null, true);
  let id: number | null = null;
  try {
    const statuses = await cw.listBoardStatuses(boardId);
    const mappedNew = config.statuses.find((s) => s.portalValue === "new")?.cwStatusId;
    const closed =
      config.statuses.find((s) => s.portalValue === "closed" && s.cwStatusClosed)?.cwStatusId ?? statuses.find((s) => s.closedStatus && !s.inactive)?.id;
    if (!closed) return outcome(null, false, "The board has no closed status to close the test ticket with.", "Add a closed status to the board.");
    const ticket = await cw.createTicket({
      summary: "psa-sync test ticket (safe to ignore)",
      initialDescription: "Created by psa-sync's Test connection to prove it can create and update tickets. It is closed right away.",
      boardId,
      companyId,
      statusId: mappedNew,
      // Not the psa-sync:<tenant>: prefix, so the sync never picks this ticket up.
      externalXRef: `psa-sync-test:${crypto.randomUUID()}`,
    });
    id = ticket.id;
    await cw.patchTicket(ticket.id, [{ op: "replace", path: "status", value: { id: closed } }]);
    return outcome(id, true, `Created ticket #${ticket.id} and closed it`, null);
  } catch (err) {
    const detail =
      err instanceof Error && /HTTP 403/.test(err.message) ? "missing permission: create or update service tickets" : describeFailure(err, "connectwise");
    return outcome(
      id,
      false,
      id ? `Created ticket #${id} but could not close it: ${detail}` : detail,
      "Give the API member's security role Service Desk › Service Tickets: Add and Edit.",
    );
  }
}

export async function runConnectionTest(env: Env, db: Db, actor: ConfigurationActor, opts: { testTicket: boolean }): Promise<TestResult> {
  const config = await loadConfiguration(db, actor.tenantId);
  const lines: TestLine[] = [];
  if (config.portal) lines.push(...(await probePortal(env, config.portal)));
  else lines.push(portalLine("Connected", false, "The Support Portal is not connected.", "Connect it in step 1."));

  let testTicketId: number | null = null;
  let codebaseChanged: string | null = null;
  if (config.cw) {
    const cw = await probeConnectWise(env, config.cw, config.settings?.boardId ?? null);
    lines.push(...cw.lines);
    if (cw.codebase && cw.codebase !== config.cw.codebase) codebaseChanged = cw.codebase;
    if (opts.testTicket && cw.client) {
      const t = await testTicket(cw.client, config);
      lines.push(t.line);
      testTicketId = t.id;
    }
  } else {
    lines.push({ side: "connectwise", check: "Connected", ok: false, skipped: false, detail: "ConnectWise is not connected.", fix: "Connect it in step 2." });
  }

  const result: TestResult = { testedAt: nowIso(), ok: lines.every((l) => l.ok), lines, testTicketId };
  const problems = lines.filter((l) => !l.ok).map((l) => `${l.check}: ${l.detail}`);
  await db.batch([
    upsertSettingsStatement(db, actor.tenantId, { lastConnectionTest: result }),
    auditStatement(db, {
      tenantId: actor.tenantId,
      userId: actor.userId,
      action: "connection.tested",
      target: testTicketId ? `cw-ticket:${testTicketId}` : null,
      detail: result.ok ? "All checks passed" : `Problems: ${problems.join("; ")}`.slice(0, 1000),
    }),
    // Cloud codebases change with upgrades: remember the current one.
    ...(codebaseChanged
      ? [db.update(connectwiseConnections).set({ codebase: codebaseChanged }).where(eq(connectwiseConnections.tenantId, actor.tenantId))]
      : []),
    // A passing test clears a stale "needs attention" on the connections.
    ...(result.ok
      ? [
          db.update(portalConnections).set({ status: "connected", statusReason: null }).where(eq(portalConnections.tenantId, actor.tenantId)),
          db.update(connectwiseConnections).set({ status: "connected", statusReason: null }).where(eq(connectwiseConnections.tenantId, actor.tenantId)),
        ]
      : []),
  ]);
  return result;
}
