import type { Db } from "../db/client";
import { countEvent, tenantsForRequester } from "../db/queries/vendor-feed";
import { routeTicket } from "../feed/route";
import type { Logger } from "../lib/log";
import type { PortalWebhookEvent } from "../schemas/webhooks";
import { eventTicketId, settlePortalEvent } from "./portal-event";

/**
 * One verified ticket event of the vendor's account webhook, routed to the tenants whose
 * portal user asked (or whose organisation they sync) and settled for each. An event for no
 * tenant is counted; a redelivery is not counted again.
 */
export async function settleVendorEvent(env: Env, db: Db, event: PortalWebhookEvent, log: Logger): Promise<{ outcome: string; tenants: number }> {
  const requesterId = event.detail?.requester_id ?? null;
  const organizationId = event.detail?.organization_id ?? null;
  const routed = routeTicket(
    { requesterId, organizationId, updatedAt: event.detail?.updated_at ?? null },
    await tenantsForRequester(db, requesterId, organizationId),
  );
  const outcomes: string[] = [];
  for (const t of routed)
    outcomes.push(await settlePortalEvent(env, db, { id: t.tenantId, status: "active" }, t.portalUserId, event, log.with({ tenant: t.tenantId })));
  if (outcomes.length === 0 || outcomes.some((o) => o !== "duplicate")) await countEvent(db, outcomes.length > 0);
  if (outcomes.length === 0) log.info("hook.unrouted", { ticket: eventTicketId(event) ?? undefined });
  const outcome = outcomes.length === 0 ? "ignored: no tenant" : outcomes.every((o) => o === "duplicate") ? "duplicate" : "routed";
  return { outcome, tenants: outcomes.length };
}
