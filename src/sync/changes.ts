import type { CwTicket, PortalTicket } from "../domain/model";
import type { KnownVersion } from "../domain/versions";
import { portalTicketIdFromXRef } from "../domain/xref";

/**
 * Portal requests (newest first) that changed since `since` and whose version was not
 * synced already. `reachedOlder` says the page went past the cursor: listing can stop.
 */
export function changedPortalTickets(page: Pick<PortalTicket, "id" | "updatedAt">[], since: string, known: Map<number, KnownVersion>) {
  const recent = page.filter((t) => t.updatedAt >= since);
  const changed = recent.filter((t) => {
    const k = known.get(t.id);
    return !k || k.resyncRequested || k.portalUpdatedAt !== t.updatedAt;
  });
  return { changed: changed.map((t) => t.id), reachedOlder: recent.length < page.length };
}

export interface MergeFollower {
  portalTicketId: number;
  cwTicketId: number | null;
  cwUpdatedAt: string | null;
}

/**
 * Linked CW tickets whose version differs from the one last synced: by the portal ticket
 * their externalXRef names, and by links that followed a merge to them.
 */
export function changedCwTickets(page: CwTicket[], tenantId: string, known: Map<number, KnownVersion>, followers: MergeFollower[] = []): number[] {
  const ids: number[] = [];
  for (const t of page) {
    const portalId = portalTicketIdFromXRef(t.externalXRef, tenantId);
    if (portalId !== null && known.get(portalId)?.cwUpdatedAt !== t.lastUpdated) ids.push(portalId);
    for (const f of followers) if (f.cwTicketId === t.id && f.cwUpdatedAt !== t.lastUpdated) ids.push(f.portalTicketId);
  }
  return [...new Set(ids)];
}

/** The newest timestamp of a page, kept as the next cursor once the listing completes. */
export const newest = (times: string[], current: string | null): string | null =>
  times.reduce<string | null>((max, t) => (max === null || t > max ? t : max), current);
