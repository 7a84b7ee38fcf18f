import type { failuresPage } from "../service";
import { CsrfField } from "../../shared/views/layout";
import { Pager, pageHref } from "./format";
import { Time } from "../../shared/views/time";

type FailuresData = Awaited<ReturnType<typeof failuresPage>>;

export interface ReplayNotice {
  replayed: number;
  kept: number;
  deferred: number;
}

const REPLAY_STATE: Record<string, { cls: string; label: string }> = {
  new: { cls: "bad", label: "not replayed" },
  replayed: { cls: "ok", label: "replayed" },
  discarded: { cls: "", label: "discarded" },
};

function Notice({ notice }: { notice: ReplayNotice }) {
  return (
    <div class={`alert ${notice.kept || notice.deferred ? "warn" : "ok"}`} role="status">
      {notice.replayed} message(s) sent again; they sync in the background — check the tickets in a minute.
      {notice.kept ? ` ${notice.kept} could not be read as a sync message and were kept as they are.` : ""}
      {notice.deferred ? ` ${notice.deferred} run(s) were not restarted because a run is still in progress; try again when it ends.` : ""}
    </div>
  );
}

export function FailuresPage(props: { data: FailuresData; tenantId: string; state: string | undefined; canWrite: boolean; notice: ReplayNotice | null }) {
  const { data, tenantId, canWrite } = props;
  const base = `/t/${tenantId}/failures`;
  return (
    <>
      <h1>Failures</h1>
      <p class="muted">
        Messages that kept failing after their retries, or that were refused. Fix the cause first (a connection, a mapping), then replay them: each is sent
        again and syncs its ticket.
      </p>
      {props.notice ? <Notice notice={props.notice} /> : null}
      <div class="actions">
        <span>Show:</span>
        <a href={`${base}?state=new`} aria-current={props.state === "new" ? "page" : undefined}>
          not replayed
        </a>
        <a href={`${base}?state=replayed`} aria-current={props.state === "replayed" ? "page" : undefined}>
          replayed
        </a>
        <a href={base} aria-current={props.state === undefined ? "page" : undefined}>
          all
        </a>
        <a href={pageHref(`${base}.csv`, { state: props.state })} download="">
          Download this list as CSV
        </a>
        {canWrite ? (
          <form method="post" action={`${base}/replay`} data-busy>
            <CsrfField />
            <button type="submit">Replay all not replayed</button>
          </form>
        ) : (
          <span class="muted">Only a tenant admin can replay failures.</span>
        )}
      </div>
      {data.items.length === 0 ? (
        <p class="card">{props.state === "new" || props.state === undefined ? "No failures. Nothing needs replaying." : "No failures in this list."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Message</th>
              <th>Reason</th>
              <th>Attempts</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.items.map((f) => {
              const st = REPLAY_STATE[f.replayState] ?? { cls: "", label: f.replayState };
              return (
                <tr>
                  <td>{f.id}</td>
                  <td>
                    <Time iso={f.createdAt} />
                  </td>
                  <td>
                    {f.message.kind}
                    {f.message.portalTicketId ? (
                      <>
                        {" "}
                        of <a href={`/t/${tenantId}/tickets/${f.message.portalTicketId}`}>#{f.message.portalTicketId}</a>
                      </>
                    ) : null}
                    <span class="muted small"> ({f.queue})</span>
                  </td>
                  <td>{f.reason}</td>
                  <td>{f.attempts}</td>
                  <td>
                    <span class={`badge ${st.cls}`}>{st.label}</span>
                    {f.replayedAt ? (
                      <span class="muted small">
                        {" "}
                        <Time iso={f.replayedAt} />
                      </span>
                    ) : null}
                  </td>
                  <td>
                    {canWrite && f.replayState === "new" ? (
                      f.message.parseable ? (
                        <form method="post" action={`${base}/${f.id}/replay`}>
                          <CsrfField />
                          <button type="submit" class="small">
                            Replay
                          </button>
                        </form>
                      ) : (
                        <span class="muted small">cannot be replayed: not a message psa-sync understands</span>
                      )
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager base={base} params={{ state: props.state }} page={data} />
    </>
  );
}
