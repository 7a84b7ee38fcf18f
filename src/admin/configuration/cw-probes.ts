import { z } from "zod";
import { createConnectWiseClient, CW_API_VERSION, lookupCodebase } from "../../connectors/connectwise";
import { trimSite } from "../../connectors/connectwise/codebase";
import { describeConnectWiseError } from "../../connectors/connectwise/normalise";
import { createHttpClient, UpstreamError } from "../../connectors/http";
import type { ConnectWiseClient } from "../../connectors/types";
import type { ConnectWiseRow } from "../../db/queries/configuration";
import type { TestLine } from "../../domain/connection-test";
import { clientCredentials, connectwiseFetch, connectwisePrivateKey } from "../../connectors/for-tenant";
import { ADMIN_TIMEOUT_MS, describeFailure } from "./errors";

/**
 * The ConnectWise half of "Test connection": reachability and codebase, authentication,
 * then one cheap GET (`pageSize=1`) per entity psa-sync touches, so a 403 names exactly
 * the permission the API member lacks.
 */
const line = (check: string, ok: boolean, detail: string, fix: string | null = null, skipped = false): TestLine => ({
  side: "connectwise",
  check,
  ok,
  detail,
  fix,
  skipped,
});

interface Probe {
  check: string;
  /** Where the API member's security role grants it (ConnectWise: System › Security Roles). */
  module: string;
  path: (ids: { ticketId: number | null; boardId: number | null }) => string | null;
}

const PROBES: Probe[] = [
  { check: "Service tickets (read)", module: "Service Desk › Service Tickets: Inquire", path: () => "/service/tickets" },
  {
    check: "Ticket notes",
    module: "Service Desk › Service Tickets: Inquire/Add/Edit (notes)",
    path: (i) => (i.ticketId ? `/service/tickets/${i.ticketId}/notes` : null),
  },
  {
    check: "Ticket configurations",
    module: "Service Desk › Service Tickets: Edit, and Companies › Configurations: Inquire",
    path: (i) => (i.ticketId ? `/service/tickets/${i.ticketId}/configurations` : null),
  },
  { check: "Company configurations", module: "Companies › Configurations: Inquire", path: () => "/company/configurations" },
  { check: "Companies", module: "Companies › Company Maintenance: Inquire", path: () => "/company/companies" },
  { check: "Priorities", module: "System › Table Setup: Inquire", path: () => "/service/priorities" },
  { check: "Boards", module: "System › Table Setup: Inquire", path: () => "/service/boards" },
  { check: "Board statuses", module: "System › Table Setup: Inquire", path: (i) => (i.boardId ? `/service/boards/${i.boardId}/statuses` : null) },
  { check: "Callbacks", module: "System › Table Setup: Inquire/Add (callbacks)", path: () => "/system/callbacks" },
];

const idList = z.array(z.object({ id: z.number().int() }).loose());

export interface CwProbeResult {
  lines: TestLine[];
  /** A working client when reachability and authentication passed. */
  client: ConnectWiseClient | null;
  codebase: string | null;
}

export async function probeConnectWise(env: Env, row: ConnectWiseRow, boardId: number | null): Promise<CwProbeResult> {
  const lines: TestLine[] = [];
  // The probes go through the egress policy and spend the tenant's call budget like any other call.
  const fetch = await connectwiseFetch(env, row);
  let codebase: string;
  try {
    codebase = await lookupCodebase({ fetch, site: row.site, companyId: row.companyId, timeoutMs: ADMIN_TIMEOUT_MS });
    lines.push(line("Reachable, codebase", true, `${trimSite(row.site)} answers; codebase ${codebase}`));
  } catch (err) {
    lines.push(
      line(
        "Reachable, codebase",
        false,
        describeFailure(err, "connectwise"),
        "Check the site URL (cloud API hosts start with api-, e.g. https://api-na.myconnectwise.net) and the company id.",
      ),
    );
    return { lines, client: null, codebase: null };
  }

  let privateKey: string;
  try {
    privateKey = await connectwisePrivateKey(env, row);
  } catch {
    lines.push(line("Authentication", false, "The stored private key cannot be read.", "Enter the API keys again (Rotate credentials)."));
    return { lines, client: null, codebase };
  }

  const http = createHttpClient({ fetch, api: "connectwise", describeError: describeConnectWiseError, timeoutMs: ADMIN_TIMEOUT_MS });
  const api = `${trimSite(row.site)}/${codebase}apis/3.0`;
  const headers = {
    Authorization: `Basic ${btoa(`${row.companyId}+${row.publicKey}:${privateKey}`)}`,
    clientId: row.clientId,
    Accept: `application/vnd.connectwise.com+json; version=${CW_API_VERSION}`,
  };
  const get = (path: string) => http.send({ url: `${api}${path}?pageSize=1`, headers, schema: idList });

  const ids = { ticketId: null as number | null, boardId };
  const permissionLines: TestLine[] = [];
  for (const [index, probe] of PROBES.entries()) {
    const path = probe.path(ids);
    if (!path) {
      permissionLines.push(line(probe.check, true, "Not checked: nothing to check it against yet (no ticket or board).", null, true));
      continue;
    }
    try {
      const { data } = await get(path);
      if (path === "/service/tickets") ids.ticketId = data[0]?.id ?? null;
      if (path === "/service/boards") ids.boardId ??= data[0]?.id ?? null;
      permissionLines.push(line(probe.check, true, "OK"));
    } catch (err) {
      const status = err instanceof UpstreamError ? err.httpStatus : null;
      const clientIdRefused = status === 403 && /clientid/i.test(err instanceof Error ? err.message : "");
      if (index === 0 && (status === 401 || clientIdRefused)) {
        lines.push(
          clientIdRefused
            ? line(
                "Authentication",
                false,
                "ConnectWise refused the clientId.",
                "Enter the clientId registered for this integration at developer.connectwise.com/ClientID.",
              )
            : line(
                "Authentication",
                false,
                "ConnectWise refused the API keys (HTTP 401).",
                "Check the company id, public key and private key of the API member; if the keys were regenerated, use Rotate credentials.",
              ),
        );
        return { lines, client: null, codebase };
      }
      if (status === 403)
        permissionLines.push(
          line(probe.check, false, `missing permission: ${probe.check.toLowerCase()}`, `Give the API member's security role ${probe.module}.`),
        );
      else
        permissionLines.push(
          line(probe.check, false, `Could not check: ${describeFailure(err, "connectwise")}`, "Try again; if it persists, check ConnectWise's status."),
        );
    }
  }
  lines.push(line("Authentication", true, `Signed in as API member of company ${row.companyId} (public key ${row.publicKey})`), ...permissionLines);
  const client = createConnectWiseClient({ fetch, ...clientCredentials(row, privateKey, codebase), timeoutMs: ADMIN_TIMEOUT_MS });
  return { lines, client, codebase };
}
