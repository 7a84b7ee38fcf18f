import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { portalConnections, tenants } from "../db/schema";
import { portalBaseUrl } from "../egress/fetch";
import { bindings, sealSecret } from "../lib/secret-binding";
import { ensureConnectWiseCallback, portalHookUrl } from "../webhooks/hook-addresses";

/**
 * Local demo only: wires push for the demo tenant against the sandbox — ConnectWise's
 * callback, and a Support Portal webhook created with the sandbox's agent account (on a
 * real portal the vendor's Zendesk admin creates it and hands over its signing secret).
 */
const AGENT = `Basic ${btoa("agent@easyconnect.test/token:agent-portal-token")}`;
const created = z.object({ webhook: z.object({ id: z.string() }) });
const listed = z.object({ webhooks: z.array(z.object({ id: z.string(), endpoint: z.string() })) });
const secretBody = z.object({ signing_secret: z.object({ secret: z.string() }) });
const EVENTS = [
  "ticket.created",
  "ticket.comment_added",
  "ticket.status_changed",
  "ticket.priority_changed",
  "ticket.custom_field_changed",
  "ticket.subject_changed",
].map((e) => `zen:event-type:${e}`);

/**
 * The sandbox webhook posting to `endpoint` (created once, with the sandbox's admin agent),
 * and its signing secret.
 */
export async function ensureSandboxWebhook(sandboxUrl: string, endpoint: string, name: string): Promise<{ secret: string; created: boolean }> {
  const api = `${sandboxUrl}/zendesk/api/v2/webhooks`;
  const headers = { authorization: AGENT, "content-type": "application/json" };
  const existing = listed.parse(await (await fetch(api, { headers })).json()).webhooks.find((w) => w.endpoint === endpoint);
  const id =
    existing?.id ??
    created.parse(
      await (
        await fetch(api, {
          method: "POST",
          headers,
          body: JSON.stringify({ webhook: { name, endpoint, http_method: "POST", request_format: "json", status: "active", subscriptions: EVENTS } }),
        })
      ).json(),
    ).webhook.id;
  const { signing_secret } = secretBody.parse(await (await fetch(`${api}/${id}/signing_secret`, { headers })).json());
  return { secret: signing_secret.secret, created: !existing };
}

export async function wireDemoPush(env: Env, db: Db, tenantId: string, sandboxUrl: string, publicOrigin: string): Promise<string> {
  const callback = await ensureConnectWiseCallback(env, db, tenantId, publicOrigin);
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  const hook = await ensureSandboxWebhook(sandboxUrl, portalHookUrl(publicOrigin, tenant!.hookId), "psa-sync demo push");
  await db
    .update(portalConnections)
    .set({ webhookSecretCiphertext: await sealSecret(env, hook.secret, bindings.portalWebhookSecret(tenantId, portalBaseUrl(env))) })
    .where(eq(portalConnections.tenantId, tenantId));
  return `ConnectWise callback ${callback.state}, portal webhook ${hook.created ? "created" : "present"}`;
}
