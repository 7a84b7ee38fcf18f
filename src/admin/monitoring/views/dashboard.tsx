import type { dashboard } from "../service";
import { durationOf, RunStatusBadge, TRIGGER_LABEL } from "./format";
import { Time } from "../../shared/views/time";
import { RunChart } from "./run-chart";

type DashboardData = Awaited<ReturnType<typeof dashboard>>;

function Connection({ name, conn, fixHref }: { name: string; conn: { status: string; statusReason: string | null } | undefined; fixHref: string }) {
  if (!conn)
    return (
      <li>
        <span class="badge bad">not connected</span> {name} — <a href={fixHref}>connect it on the Connections page</a>.
      </li>
    );
  if (conn.status !== "connected")
    return (
      <li>
        <span class="badge bad">needs attention</span> {name}: {conn.statusReason ?? "the connection stopped working"} —{" "}
        <a href={fixHref}>reconnect or update the credentials</a>.
      </li>
    );
  return (
    <li>
      <span class="badge ok">connected</span> {name}
    </li>
  );
}

function Health({ data, tenantId }: { data: DashboardData; tenantId: string }) {
  const { tenant, portal, connectwise } = data.health;
  const run = data.lastRun;
  const fix = `/t/${tenantId}/onboarding`;
  return (
    <section class="card" aria-labelledby="health-h">
      <h2 id="health-h">Health</h2>
      {tenant?.attentionReason ? (
        <div class="alert error" role="alert">
          <strong>Syncing needs attention:</strong> {tenant.attentionReason}{" "}
          <span>
            Since <Time iso={tenant.attentionSince} />. Fix the credentials on the <a href={fix}>Connections page</a>; the next scheduled run
            {tenant.probeAfter ? (
              <>
                {" "}
                after <Time iso={tenant.probeAfter} />
              </>
            ) : null}{" "}
            tries again.
          </span>
        </div>
      ) : null}
      {data.setupIncomplete ? (
        <div class="alert warn" role="status">
          <strong>{data.setupIncomplete}.</strong> Nothing syncs until setup is complete: connect both systems on the <a href={fix}>Connections page</a> and
          save <a href={`/t/${tenantId}/settings`}>Advanced Settings</a>.
        </div>
      ) : null}
      {tenant?.status === "disabled" ? <div class="alert warn">This tenant is disabled by the operator: nothing syncs until it is enabled again.</div> : null}
      {tenant?.paused ? (
        <div class="alert warn">
          Syncing is paused: no scheduled runs. Resume it under <a href={`/t/${tenantId}/tasks`}>Admin tasks</a>.
        </div>
      ) : null}
      <ul class="plain">
        <Connection name="Support Portal" conn={portal} fixHref={fix} />
        <Connection name="ConnectWise PSA" conn={connectwise} fixHref={fix} />
      </ul>
      <dl class="facts">
        <dt>Last run</dt>
        <dd>
          {run ? (
            <>
              <a href={`/t/${tenantId}/runs/${run.id}`}>
                <Time iso={run.startedAt} />
              </a>{" "}
              <RunStatusBadge status={run.status} /> ({TRIGGER_LABEL[run.trigger] ?? run.trigger}, {durationOf(run.startedAt, run.finishedAt)})
              {run.message ? <span class="muted"> — {run.message}</span> : null}
            </>
          ) : (
            <span class="muted">none yet</span>
          )}
        </dd>
        <dt>Next run</dt>
        <dd>
          {data.nextRunAt ? (
            <>
              about <Time iso={data.nextRunAt} />
            </>
          ) : (
            <span class="muted">none scheduled ({tenant?.paused ? "paused" : tenant?.status !== "active" ? "not active" : "setup incomplete"})</span>
          )}
        </dd>
      </dl>
    </section>
  );
}

export function DashboardPage({ data, tenantId, tenantName }: { data: DashboardData; tenantId: string; tenantName: string }) {
  const linked = data.counts.ok + data.counts.pending + data.counts.warning + data.counts.error;
  const t = (q: string) => `/t/${tenantId}/tickets${q}`;
  return (
    <>
      <h1>{tenantName}</h1>
      <Health data={data} tenantId={tenantId} />
      <section class="grid counts" aria-label="Counts">
        <a class="card stat-card" href={t("")}>
          <span class="stat">{linked}</span> linked tickets
          <span class="muted small">
            {data.counts.ok} in sync · {data.counts.pending} pending · {data.counts.error} with errors
          </span>
        </a>
        <a class="card stat-card" href={t("?state=warning")}>
          <span class="stat">{data.counts.warning}</span> open warnings
        </a>
        <a class="card stat-card" href={t("?state=error")}>
          <span class="stat">{data.counts.error}</span> tickets with errors
          {data.retrying ? (
            <span class="muted small">{data.retrying} still retrying (the run that handed them over waits for them; other tickets keep syncing)</span>
          ) : null}
        </a>
        <a class="card stat-card" href={`/t/${tenantId}/failures?state=new`}>
          <span class="stat">{data.openFailures}</span> failures not replayed
        </a>
      </section>
      <section class="card">
        <h2>Recent runs</h2>
        <RunChart runs={data.chart} tenantId={tenantId} />
        <a href={`/t/${tenantId}/runs`}>All runs</a>
      </section>
      <section class="card">
        <h2>Open warnings</h2>
        {data.warnings.length === 0 ? (
          <p class="muted">No ticket has a warning. Unmappable priorities, statuses or companies show up here with what to change.</p>
        ) : (
          <ul class="warnings">
            {data.warnings.map((w) => (
              <li>
                <a href={`/t/${tenantId}/tickets/${w.portalTicketId}`}>
                  #{w.portalTicketId} {w.summary}
                </a>
                <ul>
                  {w.warnings.map((m) => (
                    <li>{m.message}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
        {data.counts.warning > data.warnings.length ? <a href={t("?state=warning")}>All {data.counts.warning} tickets with warnings</a> : null}
      </section>
    </>
  );
}
