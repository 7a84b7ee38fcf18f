import { env } from "cloudflare:test";
import { SANDBOX_ORIGIN } from "./sandbox";

/**
 * People acting in the emulated systems during a test: the customer (portal end user),
 * the vendor's agent, and a ConnectWise technician. They call the sandbox directly, not
 * through psa-sync's connectors, so a test observes the systems independently.
 */
const AGENT = `Basic ${btoa("agent@easyconnect.test/token:agent-portal-token")}`;
const CW_AUTH = { authorization: `Basic ${btoa("acme+acme-public-key:acme-private-key")}`, clientId: "psa-sync-demo-client" };
const CW_API = `${SANDBOX_ORIGIN}/cw/v4_6_release/apis/3.0`;

async function call<T>(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<T> {
  const res = await env.SANDBOX.fetch(new Request(url, { ...init, headers: { "content-type": "application/json", ...init.headers } }));
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url} → ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

export interface PortalCommentJson {
  id: number;
  body: string;
  author_id: number;
}

/** A portal end user (an MSP) acting in the portal. */
export function portalUser(email: string, apiToken: string) {
  const auth = `Basic ${btoa(`${email}/token:${apiToken}`)}`;
  return {
    async createRequest(req: { subject: string; body: string; priority?: string; clusterId?: string }): Promise<number> {
      const custom_fields = req.clusterId ? [{ id: 360001234567, value: req.clusterId }] : [];
      const body = { request: { subject: req.subject, comment: { body: req.body }, priority: req.priority, custom_fields } };
      const res = await call<{ request: { id: number } }>(`${SANDBOX_ORIGIN}/zendesk/api/v2/requests`, {
        method: "POST",
        headers: { authorization: auth },
        body: JSON.stringify(body),
      });
      return res.request.id;
    },
    async comment(requestId: number, text: string): Promise<void> {
      await call(`${SANDBOX_ORIGIN}/zendesk/api/v2/requests/${requestId}`, {
        method: "PUT",
        headers: { authorization: auth },
        body: JSON.stringify({ request: { comment: { body: text } } }),
      });
    },
    async comments(requestId: number): Promise<PortalCommentJson[]> {
      const res = await call<{ comments: PortalCommentJson[] }>(`${SANDBOX_ORIGIN}/zendesk/api/v2/requests/${requestId}/comments?page[size]=100`, {
        headers: { authorization: auth },
      });
      return res.comments;
    },
  };
}

/** The demo MSP's portal user, as the customer in most tests. */
export const customer = portalUser("it@acme-msp.test", "acme-portal-token");

export const agent = {
  async update(ticketId: number, ticket: { priority?: string; status?: string }): Promise<void> {
    await call(`${SANDBOX_ORIGIN}/zendesk/api/v2/tickets/${ticketId}`, { method: "PUT", headers: { authorization: AGENT }, body: JSON.stringify({ ticket }) });
  },
};

export interface CwTicketJson {
  id: number;
  summary: string;
  externalXRef?: string;
  company?: { id: number; name?: string };
  board?: { id: number; name?: string };
  status?: { id: number; name?: string };
  priority?: { id: number; name?: string };
}
export interface CwNoteJson {
  id: number;
  text: string;
  detailDescriptionFlag?: boolean;
  internalAnalysisFlag?: boolean;
}

export const technician = {
  async ticketsLinkedTo(tenantId: string): Promise<CwTicketJson[]> {
    const conditions = encodeURIComponent(`externalXRef like "psa-sync:${tenantId}:*"`);
    return call<CwTicketJson[]>(`${CW_API}/service/tickets?conditions=${conditions}&pageSize=1000`, { headers: CW_AUTH });
  },
  /** The one ticket linked to this portal request (its externalXRef names it); throws if there is not exactly one. */
  async ticketFor(tenantId: string, portalTicketId: number): Promise<CwTicketJson> {
    const conditions = encodeURIComponent(`externalXRef = "psa-sync:${tenantId}:${portalTicketId}"`);
    const tickets = await call<CwTicketJson[]>(`${CW_API}/service/tickets?conditions=${conditions}&pageSize=1000`, { headers: CW_AUTH });
    if (tickets.length !== 1) throw new Error(`${tickets.length} ConnectWise tickets are linked to portal request ${portalTicketId} of ${tenantId}`);
    return tickets[0]!;
  },
  async notes(ticketId: number): Promise<CwNoteJson[]> {
    return call<CwNoteJson[]>(`${CW_API}/service/tickets/${ticketId}/notes?pageSize=1000&orderBy=id%20asc`, { headers: CW_AUTH });
  },
  async addNote(ticketId: number, text: string): Promise<CwNoteJson> {
    return call<CwNoteJson>(`${CW_API}/service/tickets/${ticketId}/notes`, {
      method: "POST",
      headers: CW_AUTH,
      body: JSON.stringify({ text, internalAnalysisFlag: true }),
    });
  },
  /** A note typed in the ConnectWise UI by the demo technician (their own member, not the API's). */
  async addNoteInUi(ticketId: number, text: string): Promise<CwNoteJson> {
    return call<CwNoteJson>(`${SANDBOX_ORIGIN}/_sandbox/connectwise/tickets/${ticketId}/technician-notes`, {
      method: "POST",
      headers: {},
      body: JSON.stringify({ text }),
    });
  },
  /** ConnectWise disabling a callback (as it does after days of failed deliveries). */
  async setCallbackInactive(id: number): Promise<void> {
    await call(`${CW_API}/system/callbacks/${id}`, {
      method: "PATCH",
      headers: CW_AUTH,
      body: JSON.stringify([{ op: "replace", path: "inactiveFlag", value: true }]),
    });
  },
  async callbackInactive(id: number): Promise<boolean> {
    return (await call<{ inactiveFlag?: boolean }>(`${CW_API}/system/callbacks/${id}`, { headers: CW_AUTH })).inactiveFlag === true;
  },
  async configurations(ticketId: number): Promise<{ id: number }[]> {
    return call<{ id: number }[]>(`${CW_API}/service/tickets/${ticketId}/configurations`, { headers: CW_AUTH });
  },
  /** Merges tickets into a parent, as a technician does in ConnectWise (children closed with `status`). */
  async merge(parentId: number, childIds: number[], status = "Closed"): Promise<void> {
    await call(`${CW_API}/service/tickets/${parentId}/merge`, {
      method: "POST",
      headers: CW_AUTH,
      body: JSON.stringify({ mergeTicketIds: childIds, status: { name: status } }),
    });
  },
  async deleteTicket(ticketId: number): Promise<void> {
    await call(`${CW_API}/service/tickets/${ticketId}`, { method: "DELETE", headers: CW_AUTH });
  },
  async patch(ticketId: number, ops: unknown[]): Promise<void> {
    await call(`${CW_API}/service/tickets/${ticketId}`, { method: "PATCH", headers: CW_AUTH, body: JSON.stringify(ops) });
  },
  /** A ConnectWise admin editing a board's statuses. */
  async addBoardStatus(boardId: number, name: string): Promise<{ id: number }> {
    return call<{ id: number }>(`${CW_API}/service/boards/${boardId}/statuses`, { method: "POST", headers: CW_AUTH, body: JSON.stringify({ name }) });
  },
  async deleteBoardStatus(boardId: number, statusId: number): Promise<void> {
    await call(`${CW_API}/service/boards/${boardId}/statuses/${statusId}`, { method: "DELETE", headers: CW_AUTH });
  },
  /** A configuration added in ConnectWise (e.g. a cluster registered days after its first ticket). */
  async addConfiguration(config: { name: string; serialNumber: string; companyId: number }): Promise<{ id: number }> {
    const body = { name: config.name, serialNumber: config.serialNumber, type: { id: 1 }, company: { id: config.companyId } };
    return call<{ id: number }>(`${CW_API}/company/configurations`, { method: "POST", headers: CW_AUTH, body: JSON.stringify(body) });
  },
  async priorityNamed(name: string): Promise<{ id: number }> {
    const list = await call<{ id: number }[]>(`${CW_API}/service/priorities?conditions=${encodeURIComponent(`name="${name}"`)}`, { headers: CW_AUTH });
    return list[0]!;
  },
  async companyNamed(name: string): Promise<{ id: number }> {
    const list = await call<{ id: number }[]>(`${CW_API}/company/companies?conditions=${encodeURIComponent(`name="${name}"`)}`, { headers: CW_AUTH });
    return list[0]!;
  },
};
