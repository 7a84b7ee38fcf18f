import { CsrfField } from "../../shared/views/layout";
import type { TenantStatus } from "../../../schemas/accounts";
import { FieldError, Flash, ReadOnlyNote } from "../../shared/views/components";
import { Time } from "../../shared/views/time";

export interface TasksPageProps {
  tenantId: string;
  readOnly: boolean;
  status: TenantStatus;
  ok?: string | undefined;
  /** A refused form's messages by field (`form`: the task as a whole) and its posted values. */
  errors?: Record<string, string> | undefined;
  values?: Record<string, string> | undefined;
  /** The stored alert webhook address. */
  alertWebhookUrl: string;
}

const RUN_WORDS: Record<string, string> = { queued: "waiting to start", running: "running", completed: "completed", failed: "failed", skipped: "skipped" };

function StatusCard({ status }: { status: TenantStatus }) {
  const run = status.lastRun;
  return (
    <section class="card" aria-labelledby="status-title">
      <h2 id="status-title">Status</h2>
      <dl class="facts">
        <dt>Syncing</dt>
        <dd id="sync-state">{status.paused ? <span class="badge warn">Paused</span> : <span class="badge ok">Active</span>}</dd>
        <dt>Needs attention</dt>
        <dd id="attention">
          {status.attentionReason ? (
            <>
              <span class="badge bad">Yes</span> {status.attentionReason}{" "}
              <span class="muted">
                (since <Time iso={status.attentionSince} none="never" />)
              </span>
            </>
          ) : (
            <span class="badge ok">No</span>
          )}
        </dd>
        <dt>Last run</dt>
        <dd id="last-run">
          {run ? (
            <>
              {RUN_WORDS[run.status] ?? run.status} · started <Time iso={run.startedAt} /> ({run.trigger}){run.message ? ` · ${run.message}` : ""}
            </>
          ) : (
            "No run yet."
          )}
        </dd>
      </dl>
    </section>
  );
}

/** Warnings a bulk resync can fix, as the admin reads them. */
const BULK_RESYNC_CHOICES = [
  ["any", "any warning"],
  ["cw_ticket_missing", "ConnectWise ticket deleted"],
  ["unmatched_cluster", "ClusterID matches no configuration"],
  ["missing_cluster", "no ClusterID"],
] as const;

export function TasksPage({ tenantId, readOnly, status, ok, errors = {}, values = {}, alertWebhookUrl }: TasksPageProps) {
  const base = `/t/${tenantId}/tasks`;
  return (
    <>
      <h1>Admin tasks</h1>
      <Flash ok={ok} error={errors.form} />
      <StatusCard status={status} />
      {readOnly ? (
        <ReadOnlyNote />
      ) : (
        <>
          <section class="card" aria-labelledby="sync-title">
            <h2 id="sync-title">Sync now</h2>
            <p class="muted">Looks for changes on both sides right away instead of waiting for the next scheduled run (every 5 minutes).</p>
            <form method="post" action={`${base}/sync`} data-busy>
              <CsrfField />
              <button type="submit">Sync now</button>
            </form>
          </section>
          <section class="card" aria-labelledby="resync-title">
            <h2 id="resync-title">Resync one ticket</h2>
            <p class="muted">Syncs one portal ticket again in full, whatever changed or not, and starts a run.</p>
            <form method="post" action={`${base}/resync`} novalidate>
              <CsrfField />
              <label for="portalTicketId">Portal ticket number</label>
              <input id="portalTicketId" name="portalTicketId" type="text" inputmode="numeric" value={values.portalTicketId ?? ""} required />
              <FieldError id="portalTicketId" message={errors.portalTicketId} />
              <button type="submit">Resync ticket</button>
            </form>
          </section>
          <section class="card" aria-labelledby="bulk-resync-title">
            <h2 id="bulk-resync-title">Resync tickets with warnings</h2>
            <p class="muted">
              Syncs every ticket with the chosen warning again in full (up to 1,000 at a time) and starts a run. A ticket deleted in ConnectWise is created
              again with its whole history.
            </p>
            <form method="post" action={`${base}/resync-bulk`}>
              <CsrfField />
              <label for="bulk-warning">Tickets with</label>
              <select id="bulk-warning" name="warning">
                {BULK_RESYNC_CHOICES.map(([value, label]) => (
                  <option value={value}>{label}</option>
                ))}
              </select>
              <FieldError id="bulk-warning" message={errors.warning} />
              <button type="submit">Resync these tickets</button>
            </form>
          </section>
          <section class="card" aria-labelledby="pause-title">
            <h2 id="pause-title">{status.paused ? "Resume syncing" : "Pause syncing"}</h2>
            <p class="muted">
              {status.paused
                ? "Scheduled runs are off. Resume to pick up everything that changed meanwhile."
                : "Stops scheduled runs (for maintenance or a migration) until you resume; nothing is lost."}
            </p>
            <form method="post" action={`${base}/pause`}>
              <CsrfField />
              <input type="hidden" name="paused" value={status.paused ? "false" : "true"} />
              <FieldError id="paused" message={errors.paused} />
              <button type="submit">{status.paused ? "Resume syncing" : "Pause syncing"}</button>
            </form>
          </section>
          <section class="card" aria-labelledby="push-title">
            <h2 id="push-title">Push from ConnectWise</h2>
            <p class="muted">
              Registers (or re-enables) the ConnectWise callback that tells psa-sync about ticket changes within seconds. ConnectWise disables a callback after
              three days of failed deliveries; scheduled runs keep syncing meanwhile.
            </p>
            <form method="post" action={`${base}/callbacks`} id="callbacks-form">
              <CsrfField />
              <button type="submit">Re-register callbacks</button>
            </form>
            <p class="muted">
              If a webhook address may have leaked, rotate it: psa-sync gets new addresses, the old ones stop answering at once, the ConnectWise callback moves
              with it, and you are shown the portal webhook's new address to hand to the portal administrator.
            </p>
            <form method="post" action={`${base}/rotate-hooks`} id="rotate-hooks-form">
              <CsrfField />
              <button type="submit" class="secondary">
                Rotate webhook addresses
              </button>
            </form>
          </section>
          <section class="card" aria-labelledby="alerts-title">
            <h2 id="alerts-title">Alerts</h2>
            <p class="muted">
              An incoming webhook (Teams, Slack …) that hears once when syncing needs attention — rejected credentials, runs that keep failing — and once when
              it recovers. Leave empty for none.
            </p>
            <form method="post" action={`${base}/alerts`} novalidate>
              <CsrfField />
              <label for="alertWebhookUrl">Alert webhook address</label>
              <input
                id="alertWebhookUrl"
                name="alertWebhookUrl"
                type="text"
                value={values.alertWebhookUrl?.trim() ?? alertWebhookUrl}
                placeholder="https://…"
              />
              <FieldError id="alertWebhookUrl" message={errors.alertWebhookUrl} />
              <button type="submit">Save alert webhook</button>
            </form>
          </section>
        </>
      )}
    </>
  );
}
