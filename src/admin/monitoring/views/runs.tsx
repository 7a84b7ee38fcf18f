import type { RunProgress, runDetail, runsPage } from "../service";
import { durationOf, formatDuration, LinkStateBadge, Pager, RunStatusBadge, TRIGGER_LABEL } from "./format";
import { Time } from "../../shared/views/time";

type RunsData = Awaited<ReturnType<typeof runsPage>>;
type RunDetailData = Awaited<ReturnType<typeof runDetail>>;

export function RunsPage({ data, tenantId }: { data: RunsData; tenantId: string }) {
  return (
    <>
      <h1>Runs</h1>
      <p class="muted">Every sync run, newest first. A run reads the changes of both systems and syncs each changed ticket.</p>
      {data.items.length === 0 ? (
        <p class="card">No runs yet. Runs start every five minutes once both systems are connected, or use “Sync now” under Admin tasks.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Started</th>
              <th>Trigger</th>
              <th>Status</th>
              <th>Duration</th>
              <th>Tickets</th>
              <th>Created / updated</th>
              <th>Comments / notes</th>
              <th>Warnings / failures</th>
              <th>API calls (portal / CW)</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((r) => (
              <tr>
                <td>
                  <a href={`/t/${tenantId}/runs/${r.id}`}>
                    <Time iso={r.startedAt} />
                  </a>
                </td>
                <td>{TRIGGER_LABEL[r.trigger] ?? r.trigger}</td>
                <td>
                  <RunStatusBadge status={r.status} />
                </td>
                <td>{durationOf(r.startedAt, r.finishedAt)}</td>
                <td>{r.ticketsSeen}</td>
                <td>
                  {r.ticketsCreated} / {r.ticketsUpdated}
                </td>
                <td>
                  {r.commentsMirrored} / {r.notesMirrored}
                </td>
                <td>
                  {r.warnings} / {r.failures}
                </td>
                <td>
                  {r.portalCalls} / {r.cwCalls}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager base={`/t/${tenantId}/runs`} params={{}} page={data} />
    </>
  );
}

/** A number the progress script keeps current (`data-field` names a key of progress.json). */
function Live({ field, value }: { field: string; value: string | number }) {
  return <span data-field={field}>{value}</span>;
}

function RunNumbers({ run }: { run: RunProgress }) {
  const rows: [string, string, string | number][] = [
    ["Tickets handed over", "ticketsSeen", run.ticketsSeen],
    ["Synced", "tickets.done", run.tickets.done],
    ["Still queued", "tickets.queued", run.tickets.queued],
    ["Failed", "tickets.failed", run.tickets.failed],
    ["ConnectWise tickets created", "ticketsCreated", run.ticketsCreated],
    ["ConnectWise tickets updated", "ticketsUpdated", run.ticketsUpdated],
    ["Portal comments → CW notes", "commentsMirrored", run.commentsMirrored],
    ["CW notes → portal comments", "notesMirrored", run.notesMirrored],
    ["Warnings", "warnings", run.warnings],
    ["Portal API calls", "portalCalls", run.portalCalls],
    ["ConnectWise API calls", "cwCalls", run.cwCalls],
  ];
  return (
    <dl class="facts run-numbers">
      {rows.map(([label, field, value]) => (
        <>
          <dt>{label}</dt>
          <dd>
            <Live field={field} value={value} />
          </dd>
        </>
      ))}
    </dl>
  );
}

export function RunDetailPage({ data, tenantId }: { data: RunDetailData; tenantId: string }) {
  const { run } = data;
  return (
    <>
      <p>
        <a href={`/t/${tenantId}/runs`}>« All runs</a>
      </p>
      <h1>
        Run of <Time iso={run.startedAt} />
      </h1>
      <section
        class="card"
        id="run-progress"
        data-live={run.live ? "1" : "0"}
        data-progress-url={`/t/${tenantId}/runs/${run.id}/progress.json`}
        aria-live="polite"
      >
        <p>
          Status:{" "}
          <span data-field="status" class="run-status">
            <RunStatusBadge status={run.status} />
          </span>{" "}
          · {TRIGGER_LABEL[run.trigger] ?? run.trigger} · duration{" "}
          <Live field="duration" value={run.finishedAt ? formatDuration(run.durationMs) : "running…"} />
          {run.live ? <span class="muted js-hint"> (reload the page for the latest numbers)</span> : null}
        </p>
        {run.message ? <p class="muted">{run.message}</p> : null}
        <RunNumbers run={run} />
      </section>
      <section class="card">
        <h2>Tickets of this run</h2>
        {data.tickets.length === 0 ? (
          <p class="muted">{run.live ? "No tickets handed over yet; they appear as the run lists changes." : "This run found no changed tickets."}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Portal id</th>
                <th>Summary</th>
                <th>Found by</th>
                <th>In this run</th>
                <th>Ticket now</th>
              </tr>
            </thead>
            <tbody>
              {data.tickets.map((t) => (
                <tr>
                  <td>
                    <a href={`/t/${tenantId}/tickets/${t.portalTicketId}`}>#{t.portalTicketId}</a>
                  </td>
                  <td>{t.summary ?? ""}</td>
                  <td>{t.source}</td>
                  <td>
                    <span class={`badge ${t.state === "done" ? "ok" : t.state === "failed" ? "bad" : ""}`}>{t.state === "done" ? "synced" : t.state}</span>
                  </td>
                  <td>{t.linkState ? <LinkStateBadge state={t.linkState} /> : <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {data.nextAfter ? <a href={`/t/${tenantId}/runs/${run.id}?after=${data.nextAfter}`}>More tickets »</a> : null}
      </section>
    </>
  );
}
