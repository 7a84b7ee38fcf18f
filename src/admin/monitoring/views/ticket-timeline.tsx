import type { ticketTimeline } from "../service";
import { LinkStateBadge } from "./format";
import { Time } from "../../shared/views/time";

type TimelineData = Awaited<ReturnType<typeof ticketTimeline>>;

/** Plain-language names of the engine's operations (unknown ones show as they are). */
const ACTION_LABEL: Record<string, string> = {
  create_cw_ticket: "ConnectWise ticket created",
  attach_configuration: "Configuration attached",
  update_cw_ticket: "ConnectWise ticket updated",
  mirror_comment_to_cw: "Portal comment copied to ConnectWise",
  adopt_cw_note: "Existing ConnectWise note recognised",
  mirror_note_to_portal: "ConnectWise note copied to the portal",
  post_description_update: "Description update posted to the portal",
  adopt_portal_comment: "Existing portal comment recognised",
  unlink_deleted_cw_ticket: "Deleted ConnectWise ticket replaced",
  follow_merge: "Merged in ConnectWise: now on the parent ticket",
  write_refused: "Write refused by ConnectWise",
  refused_not_tenant_request: "Not synced: not this tenant's portal request",
};

export function TicketTimelinePage({ data, tenantId }: { data: TimelineData; tenantId: string }) {
  const { link } = data;
  return (
    <>
      <p>
        <a href={`/t/${tenantId}/tickets`}>« All tickets</a>
      </p>
      <h1>
        Ticket #{link.portalTicketId} <LinkStateBadge state={link.state} />
      </h1>
      <p class="lead">{link.summary}</p>
      <section class="card">
        <dl class="facts">
          <dt>Support Portal request</dt>
          <dd>
            #{link.portalTicketId}{" "}
            {data.portalUrl ? (
              <a href={data.portalUrl} rel="noreferrer" target="_blank">
                open in the portal
              </a>
            ) : null}
          </dd>
          <dt>ConnectWise ticket</dt>
          <dd>
            {link.cwTicketId ? (
              <>
                #{link.cwTicketId}{" "}
                {data.cwUrl ? (
                  <a href={data.cwUrl} rel="noreferrer" target="_blank">
                    open in ConnectWise
                  </a>
                ) : null}
              </>
            ) : (
              <span class="muted">not created yet</span>
            )}
          </dd>
          <dt>Last synced</dt>
          <dd>
            <Time iso={link.lastSyncedAt} />
          </dd>
          <dt>Portal last changed</dt>
          <dd>
            <Time iso={link.portalUpdatedAt} />
          </dd>
          <dt>ConnectWise last changed</dt>
          <dd>
            <Time iso={link.cwUpdatedAt} />
            {link.cwClosed ? <span class="badge">closed in ConnectWise</span> : null}
          </dd>
          <dt>Resync</dt>
          <dd>{link.resyncRequested ? "requested: the next run syncs this ticket again" : <span class="muted">not requested</span>}</dd>
        </dl>
        {link.lastError ? (
          <div class="alert error">
            <strong>Last error:</strong> {link.lastError}
          </div>
        ) : null}
        {link.warnings.length > 0 ? (
          <div class="alert warn">
            <strong>Warnings</strong>
            <ul>
              {link.warnings.map((w) => (
                <li>
                  {w.message} <span class="muted">({w.code})</span>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>
      <section class="card">
        <h2>Timeline</h2>
        {data.events.length === 0 ? (
          <p class="muted">No sync action recorded yet: the ticket was found but nothing had to be written.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Action</th>
                <th>Detail</th>
                <th>Run</th>
              </tr>
            </thead>
            <tbody>
              {data.events.map((e) => (
                <tr>
                  <td>
                    <Time iso={e.at} />
                  </td>
                  <td>{ACTION_LABEL[e.action] ?? e.action}</td>
                  <td>{e.detail}</td>
                  <td>{e.runId ? <a href={`/t/${tenantId}/runs/${e.runId}`}>run</a> : <span class="muted">webhook</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card">
        <h2>Mirrored comments and notes</h2>
        {data.comments.length === 0 ? (
          <p class="muted">No comment or note has been mirrored for this ticket.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>From</th>
                <th>Portal comment</th>
                <th>ConnectWise note</th>
                <th>State</th>
                <th>Recorded</th>
              </tr>
            </thead>
            <tbody>
              {data.comments.map((c) => (
                <tr>
                  <td>{c.origin === "portal" ? "Support Portal" : "ConnectWise"}</td>
                  <td>{c.portalCommentId ?? <span class="muted">—</span>}</td>
                  <td>{c.cwNoteId ?? <span class="muted">—</span>}</td>
                  <td>{c.state === "done" ? "mirrored" : "being written"}</td>
                  <td>
                    <Time iso={c.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
