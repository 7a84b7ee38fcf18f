import { DEMO_CLUSTERS, DEMO_PORTAL, DEMO_UNKNOWN_CLUSTER } from "../demo-data";
import { bodyToHtml, htmlToText, isoSeconds, type Priority, type Status, type Store, type UserRow } from "./store";

/** Zendesk-only demo accounts (the MSP end user's credentials live in demo-data.ts). */
export const DEMO_ZENDESK = {
  organizationId: 9_200_000_001,
  endUser: {
    id: 9_100_000_001,
    name: DEMO_PORTAL.userName,
    email: DEMO_PORTAL.userEmail,
    role: "end-user",
    password: DEMO_PORTAL.password,
    api_token: DEMO_PORTAL.apiToken,
    organization_id: 9_200_000_001,
  },
  /** The support agent (an admin, so it can also manage webhooks). */
  agent: {
    id: 9_100_000_002,
    name: "Easy Connect Support",
    email: "agent@easyconnect.test",
    role: "admin",
    password: "agent-portal-pass",
    api_token: "agent-portal-token",
    organization_id: null,
  },
  /** Another provider's user, whose requests the MSP must never see. */
  otherEndUser: {
    id: 9_100_000_003,
    name: "Globex IT",
    email: "it@globex-msp.test",
    role: "end-user",
    password: "globex-portal-pass",
    api_token: "globex-portal-token",
    organization_id: 9_200_000_002,
  },
} as const satisfies Record<string, UserRow | number>;

type SeedComment = { by: "user" | "agent"; body?: string; html?: string; files?: [string, string, number][]; internal?: boolean };
type SeedRequest = {
  subject: string;
  status: Status;
  priority: Priority | null;
  cluster: string;
  assigned: boolean;
  hoursAgo: number;
  comments: SeedComment[];
  owner?: "other";
};

const [c1, c2, c3, c4] = DEMO_CLUSTERS.map((c) => c.clusterId) as [string, string, string, string];

const REQUESTS: SeedRequest[] = [
  {
    subject: `Cluster ${c1} offline after power outage`,
    status: "open",
    priority: "urgent",
    cluster: c1,
    assigned: true,
    hoursAgo: 230,
    comments: [
      { by: "user", body: "After last night's power outage the cluster does not come back online. Both nodes show amber lights." },
      { by: "agent", body: "Thanks for reporting. Can you send a photo of the front panel?" },
      { by: "user", body: "Photo attached.", files: [["front-panel.jpg", "image/jpeg", 482_113]] },
    ],
  },
  {
    subject: "Backup job failing nightly",
    status: "pending",
    priority: "high",
    cluster: c2,
    assigned: true,
    hoursAgo: 204,
    comments: [
      { by: "user", body: "The nightly backup job fails with error 0x80070057 since Monday. Log attached.", files: [["backup-log.txt", "text/plain", 18_204]] },
      { by: "agent", body: "Could you confirm which backup target is configured?" },
      { by: "agent", body: "Internal: looks like the known NAS firmware issue, checking with engineering.", internal: true },
    ],
  },
  {
    subject: "Disk 3 predictive failure alert",
    status: "new",
    priority: "normal",
    cluster: c3,
    assigned: false,
    hoursAgo: 50,
    comments: [{ by: "user", body: "The management console reports a predictive failure on disk 3 of node 1." }],
  },
  {
    subject: "Request firmware update schedule",
    status: "solved",
    priority: "low",
    cluster: c4,
    assigned: true,
    hoursAgo: 236,
    comments: [
      { by: "user", body: "When is the next firmware update planned for our cluster?" },
      { by: "agent", body: "The next update window is the first Saturday of next month." },
      { by: "user", body: "Thanks, that works for us." },
      { by: "agent", body: "Great, marking this as solved." },
    ],
  },
  {
    subject: "License renewal question",
    status: "closed",
    priority: "normal",
    cluster: c1,
    assigned: true,
    hoursAgo: 240,
    comments: [
      { by: "user", body: "Our support license expires soon. How do we renew?" },
      { by: "agent", body: "Renewal is automatic through your distributor; no action needed." },
    ],
  },
  {
    subject: "New cluster not recognised by portal",
    status: "open",
    priority: "high",
    cluster: DEMO_UNKNOWN_CLUSTER,
    assigned: true,
    hoursAgo: 144,
    comments: [
      { by: "user", body: "We installed a new cluster but the portal does not list it." },
      { by: "agent", body: "We are registering the serial number, please bear with us." },
    ],
  },
  {
    subject: `Special characters & <HTML> in "subject" — ünïcödé ✓`,
    status: "open",
    priority: null,
    cluster: c2,
    assigned: true,
    hoursAgo: 120,
    comments: [
      { by: "user", body: `Error text shown: <script>alert("x")</script> & 'quotes' — ünïcödé ✓\n\nSecond paragraph with a line\nbreak.` },
      { by: "agent", html: `<p>Please run <code>ec-diag --full</code> &amp; send us the output.</p><p>Thanks &lt;3</p>` },
    ],
  },
  {
    subject: "VPN tunnel drops every hour",
    status: "pending",
    priority: "normal",
    cluster: c3,
    assigned: true,
    hoursAgo: 100,
    comments: [
      { by: "user", body: "The management VPN tunnel drops roughly every hour." },
      { by: "agent", body: "Please capture a trace while it drops." },
      { by: "user", body: "Trace attached.", files: [["vpn-trace.pcap", "application/vnd.tcpdump.pcap", 1_204_551]] },
    ],
  },
  {
    subject: "Question about storage expansion",
    status: "new",
    priority: null,
    cluster: c4,
    assigned: false,
    hoursAgo: 26,
    comments: [{ by: "user", body: "Can we add a third storage shelf to the existing cluster?" }],
  },
  {
    subject: "Fan noise on node 2",
    status: "hold",
    priority: "low",
    cluster: c1,
    assigned: true,
    hoursAgo: 125,
    comments: [
      { by: "user", body: "Node 2 fans are running loud constantly." },
      { by: "agent", body: "We have ordered a replacement fan module." },
      { by: "user", body: "Ok, let us know when it ships." },
      { by: "agent", body: "It ships next week; putting this on hold until then." },
    ],
  },
  {
    subject: "Remote management agent not reporting",
    status: "open",
    priority: "urgent",
    cluster: c2,
    assigned: true,
    hoursAgo: 75,
    comments: [
      { by: "user", body: "The remote management agent has not reported for 6 hours." },
      {
        by: "agent",
        body: "See the attached screenshot for the expected service state.",
        files: [
          ["service-state.png", "image/png", 96_330],
          ["restart-steps.pdf", "application/pdf", 210_004],
        ],
      },
      { by: "user", body: "Service restarted, still not reporting." },
    ],
  },
  {
    subject: "Performance degradation after update",
    status: "solved",
    priority: "high",
    cluster: c3,
    assigned: true,
    hoursAgo: 170,
    comments: [
      { by: "user", body: "VMs are slow since the last update." },
      { by: "agent", body: "A hotfix is available; please apply it." },
      { by: "user", body: "Applied, performance is back to normal." },
      { by: "agent", body: "Glad to hear it. Solving this request." },
    ],
  },
  {
    subject: "Globex: printer share unavailable",
    status: "open",
    priority: "normal",
    cluster: c4,
    assigned: true,
    hoursAgo: 60,
    owner: "other",
    comments: [{ by: "user", body: "Another provider's request, invisible to Acme." }],
  },
];

/** Seeds users and a dozen requests spread over the last ~10 days. Ids come from the store's sequences. */
export function seed(store: Store, now: Date): void {
  // Both providers' organisations keep Zendesk's default: end users do not share tickets.
  store.insertOrganization({ id: DEMO_ZENDESK.organizationId, name: "Acme MSP", shared_tickets: 0 });
  store.insertOrganization({ id: DEMO_ZENDESK.otherEndUser.organization_id, name: "Globex IT", shared_tickets: 0 });
  for (const u of [DEMO_ZENDESK.endUser, DEMO_ZENDESK.agent, DEMO_ZENDESK.otherEndUser]) store.insertUser(u);
  let attachmentId = 58_000_000_000;
  for (const r of REQUESTS) {
    const requester = r.owner === "other" ? DEMO_ZENDESK.otherEndUser : DEMO_ZENDESK.endUser;
    const start = now.getTime() - r.hoursAgo * 3_600_000;
    // Comments follow the request at a few hours' interval, always before now.
    const step = Math.min(5 * 3_600_000, (r.hoursAgo * 3_600_000) / (r.comments.length + 1));
    const at = (i: number) => isoSeconds(new Date(start + i * step));
    const first = r.comments[0]!;
    const ticket = store.insertTicket({
      subject: r.subject,
      description: first.body ?? htmlToText(first.html ?? ""),
      status: r.status,
      priority: r.priority,
      type: "incident",
      requester_id: requester.id,
      submitter_id: requester.id,
      assignee_id: r.assigned ? DEMO_ZENDESK.agent.id : null,
      organization_id: requester.organization_id,
      custom_fields: JSON.stringify([{ id: DEMO_PORTAL.clusterFieldId, value: r.cluster }]),
      collaborator_ids: "[]",
      tags: JSON.stringify(["easy_connect"]),
      via_channel: "web",
      created_at: at(0),
      updated_at: at(0),
    });
    r.comments.forEach((c, i) => {
      const author = c.by === "user" ? requester : DEMO_ZENDESK.agent;
      const auditId = store.insertAudit({ ticket_id: ticket.id, author_id: author.id, events: [], via_channel: "web", created_at: at(i) });
      const files = (c.files ?? []).map(([file_name, content_type, size]) => {
        attachmentId += 1;
        return { id: attachmentId, file_name, content_type, size, content_url: `/attachments/token/tok${attachmentId}/?name=${encodeURIComponent(file_name)}` };
      });
      store.insertComment({
        ticket_id: ticket.id,
        audit_id: auditId,
        author_id: author.id,
        body: c.body ?? htmlToText(c.html ?? ""),
        html_body: c.html ?? bodyToHtml(c.body ?? ""),
        public: c.internal ? 0 : 1,
        attachments: JSON.stringify(files),
        via_channel: "web",
        metadata: JSON.stringify({
          system: { client: "Mozilla/5.0", ip_address: "198.51.100.7", location: "Houston, TX, United States", latitude: 29.76, longitude: -95.36 },
          custom: {},
        }),
        created_at: at(i),
      });
    });
    store.updateTicket(ticket.id, {}, at(r.comments.length - 1));
  }
}
