import type { VendorFeedStatus } from "../vendor-feed";
import { CsrfField } from "../../shared/views/layout";
import { FieldError, Flash } from "../../shared/views/components";
import { Time } from "../../shared/views/time";

export interface VendorFeedPageProps {
  status: VendorFeedStatus;
  /** Where the vendor's account webhook must point (this deployment's /hooks/vendor). */
  hookUrl: string | null;
  ok?: string | undefined;
  errors?: Record<string, string>;
  /** Only the email is ever echoed back into the form; tokens and secrets never are. */
  email?: string;
}

const set = (yes: boolean) => (yes ? <span class="badge ok">set</span> : <span class="badge warn">not set</span>);

function PostButton({ action, label, kind }: { action: string; label: string; kind: "secondary" | "danger" }) {
  return (
    <form method="post" action={action} class="inline">
      <CsrfField />
      <button type="submit" class={kind}>
        {label}
      </button>
    </form>
  );
}

export function VendorFeedPage({ status, hookUrl, ok, errors = {}, email = "" }: VendorFeedPageProps) {
  return (
    <>
      <h1>Vendor change feed</h1>
      <p class="muted">
        One account webhook for the portal's ticket events, routed to the tenant whose portal user is the requester, and the incremental export as catch-up on
        every 5-minute tick. While it is healthy, tenant runs make no portal calls of their own; otherwise they list their own requests.
      </p>
      <Flash ok={ok} error={errors.form} />
      <section class="card" aria-labelledby="feed-state">
        <h2 id="feed-state">State</h2>
        <p data-feed-health={status.healthy ? "healthy" : "fallback"}>
          {status.healthy ? (
            <span class="badge ok">healthy: tenant runs rely on the feed</span>
          ) : (
            <span class="badge warn">tenant runs list their own requests</span>
          )}
          {status.reason ? <span> {status.reason}</span> : null}
        </p>
        <dl>
          <dt>Admin credential</dt>
          <dd>{set(status.configured)}</dd>
          <dt>Webhook signing secret</dt>
          <dd>{set(status.webhookSecretSet)}</dd>
          <dt>Webhook address</dt>
          <dd>{hookUrl ? <code>{hookUrl}</code> : "set PUBLIC_URL to receive the webhook"}</dd>
          <dt>Last poll</dt>
          <dd>
            {status.lastPollAt ? (
              <>
                {status.lastPollResult ?? ""} · <Time iso={status.lastPollAt} />
              </>
            ) : (
              "never"
            )}
          </dd>
          <dt>Last complete poll</dt>
          <dd>
            <Time iso={status.lastPollOkAt} none="never" />
          </dd>
          <dt>Events routed / for no tenant</dt>
          <dd>
            {status.eventsRouted} / {status.eventsUnrouted}
          </dd>
          <dt>Tickets queued by catch-up</dt>
          <dd>{status.ticketsQueued}</dd>
        </dl>
        {status.configured ? (
          <div class="actions compact">
            <PostButton action="/operator/vendor-feed/test" label="Test the credential" kind="secondary" />
            <PostButton action="/operator/vendor-feed/clear" label="Clear the feed" kind="danger" />
          </div>
        ) : null}
      </section>
      <section class="card" aria-labelledby="feed-set">
        <h2 id="feed-set">{status.configured ? "Replace the credential" : "Set up the feed"}</h2>
        <p class="muted">A portal admin's API token (the export is for admins only); it is tested before it is stored, encrypted, and never shown again.</p>
        <form method="post" action="/operator/vendor-feed" novalidate>
          <CsrfField />
          <label for="feed-email">Portal admin's email</label>
          <input id="feed-email" name="email" type="email" required value={email} autocomplete="off" />
          <FieldError id="feed-email" message={errors.email} />
          <label for="feed-token">API token</label>
          <input id="feed-token" name="apiToken" type="password" required autocomplete="off" />
          <FieldError id="feed-token" message={errors.apiToken} />
          <label for="feed-secret">
            Webhook signing secret {status.webhookSecretSet ? "(blank keeps the stored one)" : "(optional: without it the feed only polls)"}
          </label>
          <input id="feed-secret" name="webhookSecret" type="password" autocomplete="off" />
          <FieldError id="feed-secret" message={errors.webhookSecret} />
          <div>
            <button type="submit">{status.configured ? "Replace" : "Set up"}</button>
          </div>
        </form>
      </section>
    </>
  );
}
