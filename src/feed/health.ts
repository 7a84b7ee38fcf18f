import type { VendorFeedRow } from "../db/queries/vendor-feed";

/** Tenant runs rely on the feed while its last complete poll is this recent (three 5-minute ticks). */
export const FEED_FRESH_MS = 15 * 60 * 1000;

export type FeedHealth = { healthy: true } | { healthy: false; reason: string };

/** Whether tenant runs may skip their own portal listing, and if not, why (shown to operators). */
export function feedHealth(feed: Pick<VendorFeedRow, "lastPollOkAt" | "lastPollResult"> | null, now: number): FeedHealth {
  if (!feed) return { healthy: false, reason: "No vendor feed is configured: every tenant run lists its own portal requests." };
  if (!feed.lastPollOkAt)
    return { healthy: false, reason: "The feed has not completed a catch-up poll yet: tenant runs list their own requests until it does." };
  const age = now - Date.parse(feed.lastPollOkAt);
  if (age > FEED_FRESH_MS) {
    const last = feed.lastPollResult ? ` (last poll: ${feed.lastPollResult})` : "";
    return {
      healthy: false,
      reason: `No complete catch-up poll for ${Math.round(age / 60_000)} minutes${last}: tenant runs list their own requests meanwhile.`,
    };
  }
  return { healthy: true };
}
