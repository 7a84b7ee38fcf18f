import { AppError } from "../lib/errors";
import type { Db } from "../db/client";
import { loadVendorFeed } from "../db/queries/vendor-feed";
import { setVendorFeed, vendorHookUrl } from "../admin/operator/vendor-feed";
import { ensureSandboxWebhook } from "./demo-push";

/** The sandbox's admin agent (README, Sandbox): the demo vendor's portal admin. */
const SANDBOX_ADMIN = { email: "agent@easyconnect.test", apiToken: "agent-portal-token" };

/**
 * Local demo only: the vendor change feed against the sandbox — one account webhook to
 * `/hooks/vendor` and the admin agent's credential for the catch-up export. Kept when set.
 */
export async function wireDemoFeed(env: Env, db: Db, sandboxUrl: string, publicOrigin: string, operatorId: string): Promise<string> {
  if (await loadVendorFeed(db)) return "present";
  const hook = await ensureSandboxWebhook(sandboxUrl, vendorHookUrl(publicOrigin), "psa-sync vendor feed");
  try {
    await setVendorFeed(env, db, { userId: operatorId, via: "npm start" }, { ...SANDBOX_ADMIN, webhookSecret: hook.secret });
  } catch (err) {
    if (err instanceof AppError) return `skipped: ${err.message}`;
    throw err;
  }
  return `set, account webhook ${hook.created ? "created" : "present"}`;
}
