import type { auditPage } from "../service";
import { Pager } from "./format";
import { Time } from "../../shared/views/time";

type AuditData = Awaited<ReturnType<typeof auditPage>>;

export function AuditPage({ data, tenantId }: { data: AuditData; tenantId: string }) {
  return (
    <>
      <h1>Audit log</h1>
      <p class="muted">Every change an admin made to this tenant, newest first.</p>
      {data.items.length === 0 ? (
        <p class="card">Nothing recorded yet. Changes to connections, settings, users, tokens and replays appear here.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((a) => (
              <tr>
                <td>
                  <Time iso={a.at} />
                </td>
                <td>{a.userEmail ?? (a.userId ? a.userId : <span class="muted">system / API</span>)}</td>
                <td>{a.action}</td>
                <td>{a.target ?? ""}</td>
                <td>{a.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager base={`/t/${tenantId}/audit`} params={{}} page={data} />
    </>
  );
}
