/** What the last sync of a ticket recorded of each side's version: a listing compares against it to find changes. */
export interface KnownVersion {
  /** The linked ConnectWise ticket (absent where a caller does not need it). */
  cwTicketId?: number | null;
  portalUpdatedAt: string | null;
  cwUpdatedAt: string | null;
  resyncRequested: boolean;
}

/**
 * Both systems stamp changes in whole seconds, so a version read within the second it
 * was stamped may hide a later change in that same second. Only a version read after its
 * second ended is remembered as synced (null makes the next listing look again).
 * `observedAt` is taken before the read (ms since the epoch).
 */
export function settledVersion(stamp: string, observedAt: number): string | null {
  const at = Date.parse(stamp);
  return Number.isNaN(at) || observedAt < at + 1000 ? null : stamp;
}
