/**
 * Push coalescing (the TicketSync object keeps the marker): a burst of events for one
 * ticket queues one sync, as long as that sync has not started reading.
 *
 * A sync marked as queued but not started for longer than this is presumed lost (its
 * message died, or the hook died before sending it): the next event queues another. A
 * queue backed up for longer costs one extra sync a ticket a minute, never a lost change.
 */
export const PUSH_PENDING_TTL_MS = 60_000;

/** Whether a push event must queue a sync: not while one queued for it is still waiting. */
export function mustQueue(pendingSince: number | undefined, at: number, ttlMs = PUSH_PENDING_TTL_MS): boolean {
  // A marker from the future (clock moved back) is not trusted either.
  return pendingSince === undefined || at - pendingSince >= ttlMs || at < pendingSince;
}
