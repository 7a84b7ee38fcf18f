import type { ticketsPage } from "../service";
import type { TicketsQuery } from "../params";
import { LinkStateBadge, Pager, pageHref } from "./format";
import { Time } from "../../shared/views/time";

type TicketsData = Awaited<ReturnType<typeof ticketsPage>>;

const STATES = [
  ["", "Any state"],
  ["ok", "In sync"],
  ["pending", "Pending"],
  ["warning", "Warning"],
  ["error", "Error"],
] as const;

export function TicketsPage({ data, tenantId, query }: { data: TicketsData; tenantId: string; query: TicketsQuery }) {
  const base = `/t/${tenantId}/tickets`;
  const filtered = Boolean(query.q || query.state || query.warning);
  const filter = { q: query.q, state: query.state, warning: query.warning ? "1" : undefined };
  return (
    <>
      <h1>Tickets</h1>
      <search>
        <form method="get" action={base} class="filters card">
          <div>
            <label for="q">Search</label>
            <input type="text" id="q" name="q" value={query.q ?? ""} placeholder="Portal id, ConnectWise id or words of the summary" />
          </div>
          <div>
            <label for="state">State</label>
            <select id="state" name="state">
              {STATES.map(([value, label]) => (
                <option value={value} selected={(query.state ?? "") === value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div class="check">
            <label>
              <input type="checkbox" name="warning" value="1" checked={query.warning === true} /> Has a warning
            </label>
          </div>
          <div>
            <button type="submit">Search</button> {filtered ? <a href={base}>Clear</a> : null}
          </div>
        </form>
      </search>
      <p class="actions">
        <a href={pageHref(`${base}.csv`, filter)} download="">
          Download {filtered ? "these tickets" : "all tickets"} as CSV
        </a>
      </p>
      {data.items.length === 0 ? (
        <p class="card">
          {filtered
            ? "No ticket matches. Try fewer words, a ticket number without the #, or clear the filters."
            : "No linked tickets yet. Tickets appear here after the first run syncs portal requests to ConnectWise."}
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Portal id</th>
              <th>ConnectWise id</th>
              <th>Summary</th>
              <th>State</th>
              <th>Warnings</th>
              <th>Last synced</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((t) => (
              <tr>
                <td>
                  <a href={`${base}/${t.portalTicketId}`}>#{t.portalTicketId}</a>
                </td>
                <td>{t.cwTicketId ?? <span class="muted">not created yet</span>}</td>
                <td>{t.summary}</td>
                <td>
                  <LinkStateBadge state={t.state} />
                </td>
                <td>{t.warnings.length}</td>
                <td>
                  <Time iso={t.lastSyncedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager base={base} params={{ ...filter, limit: query.limit === 50 ? undefined : String(query.limit) }} page={data} />
    </>
  );
}
