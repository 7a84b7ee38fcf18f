import { DEMO_CLUSTERS, DEMO_UNKNOWN_CLUSTER } from "./demo-data";
import type { ConnectWiseModule } from "./connectwise";
import type { ZendeskEmulator } from "./zendesk";

/** One step of demo activity: what a customer or a technician might do in a few minutes. */
export type ActivityKind = "new_request" | "customer_comment" | "priority_change" | "status_change" | "technician_note";

const SUBJECTS = [
  "Cluster node offline after firmware update",
  "Backup job failed overnight",
  "Storage pool running low on capacity",
  "Cannot reach the management console",
  "Fan alert on server 2",
];
const COMMENTS = [
  "Any update on this? Users are asking.",
  "I rebooted it this morning, same problem.",
  "Attached the log from last night (see portal).",
  "It happened again at 9:40.",
];
const NOTES = [
  "Remote session started; checking the event logs.",
  "Replaced the failed drive, rebuilding the array.",
  "Waiting on the vendor for a firmware fix.",
  "Applied the patch, monitoring for 24 hours.",
];

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

/**
 * Performs one random demo action through the emulators' own helpers (so it fires
 * callbacks and webhooks like a real change). Returns what it did, or null when it found
 * nothing to act on.
 */
export function stepActivity(
  zendesk: ZendeskEmulator,
  connectwise: ConnectWiseModule,
  random: () => number = Math.random,
): { kind: ActivityKind; id: number } | null {
  const kind = pick<ActivityKind>(
    ["new_request", "customer_comment", "customer_comment", "priority_change", "status_change", "technician_note", "technician_note"],
    random,
  );
  const open = zendesk.openRequestIds();
  switch (kind) {
    case "new_request": {
      const cluster = random() < 0.15 ? DEMO_UNKNOWN_CLUSTER : pick(DEMO_CLUSTERS, random).clusterId;
      const row = zendesk.createRequest({
        subject: pick(SUBJECTS, random),
        body: `${pick(COMMENTS, random)}\n\nReported from the demo.`,
        priority: pick(["low", "normal", "high", "urgent"] as const, random),
        clusterId: cluster,
      });
      return { kind, id: row.id };
    }
    case "customer_comment":
      if (open.length === 0) return null;
      return { kind, id: zendesk.addEndUserComment(pick(open, random), pick(COMMENTS, random)).id };
    case "priority_change":
      if (open.length === 0) return null;
      return { kind, id: zendesk.setPriority(pick(open, random), pick(["low", "normal", "high", "urgent"] as const, random)).id };
    case "status_change":
      if (open.length === 0) return null;
      return { kind, id: zendesk.setStatus(pick(open, random), pick(["open", "pending"] as const, random)).id };
    case "technician_note": {
      const tickets = connectwise.openTicketIds();
      if (tickets.length === 0) return null;
      const id = pick(tickets, random);
      connectwise.addTechnicianNote(id, pick(NOTES, random));
      return { kind, id };
    }
  }
}
