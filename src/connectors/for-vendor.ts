import { portalBaseUrl, type FetchLike } from "../egress/fetch";
import type { VendorFeedCredential } from "../lib/secret-binding";
import { portalFetch } from "./for-tenant";
import { createPortalAdminClient, type PortalAdminClient } from "./zendesk/admin";

/** The vendor feed's share of the portal account's budget is taken under this name (never a tenant id: those are UUIDs). */
const VENDOR_FEED_BUDGET_KEY = "vendor-feed";

/**
 * The portal admin client of the vendor feed: through the egress policy and the account's
 * one PortalBudget, like every tenant's portal calls (they share the account's limit).
 */
export function vendorAdminClient(env: Env, credential: VendorFeedCredential, inner?: FetchLike): PortalAdminClient {
  return createPortalAdminClient({ fetch: portalFetch(env, VENDOR_FEED_BUDGET_KEY, inner), baseUrl: portalBaseUrl(env), ...credential });
}
