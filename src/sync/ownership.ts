import type { PortalTicket } from "../domain/model";
import type { Warning } from "./plan-types";

/**
 * Portal ownership. Every provider signs in to the one shared portal, so what psa-sync may
 * sync is decided here, not by what the credentials happen to see: the connected user must
 * be a plain end user, and a request must be theirs (or, when the tenant opts in, their
 * organisation's). Pure: callers bring the identity and the request.
 */

/** The Zendesk role of an end user (agents and admins see every provider's requests). */
const END_USER_ROLE = "end-user";

export interface Identity {
  id: number;
  email: string;
  role: string;
  organizationId: number | null;
}

/** Why psa-sync must not act as this portal user; null for a plain end user. */
export function notEndUserProblem(me: Pick<Identity, "email" | "role">): string | null {
  if (me.role === END_USER_ROLE) return null;
  return (
    `The Support Portal account ${me.email} is a portal ${me.role || "user of unknown role"}, not an end user: ` +
    "it can see every provider's requests, so psa-sync will not sync with it. " +
    "Connect your own end-user account instead (Settings → Connections: Generate Token signed in as it, or its email and API token)."
  );
}

/**
 * What stops a run before it lists or writes anything: the credentials now act as an agent
 * or admin, or as a different user than the one connected.
 */
export function identityProblem(me: Identity, connectedUserId: number | null): string | null {
  const role = notEndUserProblem(me);
  if (role) return role;
  if (connectedUserId !== null && me.id !== connectedUserId) {
    return `The Support Portal credentials now act as another portal user (${me.email}) than the one connected, so syncing stopped. Reconnect under Settings → Connections.`;
  }
  return null;
}

export interface Owner {
  /** The connected portal user. */
  userId: number;
  organizationId: number | null;
  /** tenant_settings.sync_organisation: also sync requests of the user's organisation. */
  syncOrganisation: boolean;
}

/**
 * Why this request is not the tenant's to sync; null when it is. A request with no
 * requester or organisation given never passes (fail closed).
 */
export function ownershipRefusal(request: Pick<PortalTicket, "requesterId" | "organizationId">, owner: Owner): Warning | null {
  if (request.requesterId !== null && request.requesterId === owner.userId) return null;
  if (owner.syncOrganisation && owner.organizationId !== null && request.organizationId === owner.organizationId) return null;
  const scope = owner.syncOrganisation ? "the connected portal user or their organisation" : "the connected portal user";
  return {
    code: "not_tenant_request",
    message: `Not synced: this portal request was not made by ${scope}, so it is not this tenant's. Nothing was created in ConnectWise or written to the portal.`,
  };
}
