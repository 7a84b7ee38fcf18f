import { customer, technician, type CwNoteJson, type CwTicketJson, type PortalCommentJson } from "./sandbox-actors";
import { sandboxControl } from "./sandbox";

/** ClusterIDs of the sandbox's configurations and their companies, plus one that matches none. */
export const CLUSTERS = [
  { clusterId: "CZJ1234ABC", company: "Contoso Dental" },
  { clusterId: "CZJ5678DEF", company: "Fabrikam Legal" },
  { clusterId: "CZJ9012GHI", company: "Northwind Clinic" },
  { clusterId: "CZJ3456JKL", company: "Contoso Dental" },
  { clusterId: "CZJ0000ZZZ", company: "Acme MSP Catch-All" },
] as const;
const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export const PRIORITY_NAMES: Record<string, string> = {
  urgent: "Priority 1 - Emergency Response",
  high: "Priority 2 - Quick Response",
  normal: "Priority 3 - Normal Response",
  low: "Priority 4 - Schedule Maintenance",
};

export interface SeededRequest {
  id: number;
  subject: string;
  description: string;
  priority: (typeof PRIORITIES)[number];
  cluster: (typeof CLUSTERS)[number];
  comments: string[];
}

/** Creates `count` portal requests with `commentsEach` comments each, as the customer. */
export async function seedRequests(count: number, commentsEach: number, tag: string): Promise<SeededRequest[]> {
  const seeded: SeededRequest[] = [];
  for (let i = 0; i < count; i++) {
    const cluster = CLUSTERS[i % CLUSTERS.length]!;
    const priority = PRIORITIES[i % PRIORITIES.length]!;
    const subject = `${tag} request ${i}: ${i % 7 === 0 ? 'Ünïcödé <b>bold</b> & "quotes" ' : ""}cluster alert`;
    const description = `Description of ${tag} request ${i}.\nSecond line with <script>alert(1)</script>.`;
    const id = await customer.createRequest({ subject, body: description, priority, clusterId: cluster.clusterId });
    const comments: string[] = [];
    for (let c = 0; c < commentsEach; c++) {
      const text = `${tag} comment ${c} on request ${i}`;
      await customer.comment(id, text);
      comments.push(text);
    }
    seeded.push({ id, subject, description, priority, cluster, comments });
  }
  return seeded;
}

export interface SystemsView {
  tickets: CwTicketJson[];
  notes: Map<number, CwNoteJson[]>;
  comments: Map<number, PortalCommentJson[]>;
}

/** Reads both systems through their own APIs (independently of psa-sync's records). */
export async function readBothSystems(tenantId: string, requests: SeededRequest[]): Promise<SystemsView> {
  const tickets = await technician.ticketsLinkedTo(tenantId);
  const notes = new Map<number, CwNoteJson[]>();
  for (const t of tickets) notes.set(t.id, await technician.notes(t.id));
  const comments = new Map<number, PortalCommentJson[]>();
  for (const r of requests) comments.set(r.id, await customer.comments(r.id));
  return { tickets, notes, comments };
}

/** Write calls (anything but GET) the sandbox logged after `sinceId`. */
export async function writeCallsSince(sinceId: number): Promise<{ method: string; path: string }[]> {
  const res = await sandboxControl(`/requests?sinceId=${sinceId}&limit=50000`);
  const { requests } = (await res.json()) as { requests: { method: string; path: string }[] };
  return requests.filter((r) => r.method !== "GET");
}

export async function lastLoggedId(): Promise<number> {
  const res = await sandboxControl(`/requests?limit=50000`);
  const { requests } = (await res.json()) as { requests: { id: number }[] };
  return requests.at(-1)?.id ?? 0;
}
