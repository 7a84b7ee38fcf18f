import type { Configuration } from "../../../db/queries/configuration";
import { CLOSED_TICKET_ACTIVITY, MATCH_FIELDS, PRIORITY_KEYS, STATUS_KEYS } from "../schemas";
import type { Choices } from "../choices";
import { CsrfField } from "../../shared/views/layout";
import { SettingsFieldError, Notice, type FieldMessages } from "./parts";

export interface SettingsProps {
  tenantId: string;
  /** The signed-in user may look but not change (viewer, or an operator looking in). */
  readOnly: boolean;
  config: Configuration;
  choices: Choices;
  companySearch: string;
  /** After a save: what changes on the next sync. */
  changes?: string[] | null;
  /** After "Apply to open tickets": what will happen. */
  applied?: string;
  errors?: FieldMessages;
  message?: string | null;
  /** Values from a refused submission, so nothing typed is lost. */
  values?: Record<string, string> | null;
}

const MATCH_LABEL: Record<(typeof MATCH_FIELDS)[number], string> = {
  serialNumber: "Serial number",
  name: "Name",
  tagNumber: "Tag number",
  deviceIdentifier: "Device identifier",
};

export function SettingsPage({ tenantId, readOnly, config, choices, companySearch, changes, errors = {}, message, values, applied }: SettingsProps) {
  const s = config.settings;
  const action = `/t/${tenantId}/settings`;
  const selected = (name: string, stored: number | string | null | undefined) => values?.[name] ?? (stored == null ? "" : String(stored));
  const priorityOf = (k: string) => config.priorities.find((p) => p.portalValue === k)?.cwPriorityId;
  const statusOf = (k: string) => config.statuses.find((r) => r.portalValue === k)?.cwStatusId;
  const boardName = choices.boards.find((b) => b.id === choices.boardId)?.name ?? "no board";
  return (
    <>
      <h1>Advanced Settings</h1>
      {changes ? (
        <div class="alert ok" role="status">
          <strong>Saved.</strong> {changes.length ? "On the next sync:" : "Nothing changed."}
          {changes.length ? (
            <ul class="changes">
              {changes.map((c) => (
                <li>{c}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {applied ? <Notice kind="ok">{applied}</Notice> : null}
      {message ? <Notice kind="error">{message}</Notice> : null}
      {choices.problem ? <Notice kind="warn">{choices.problem}</Notice> : null}

      <form method="get" action={action} class="card refresh">
        <div class="actions">
          <label for="board">Board</label>
          <select id="board" name="board" data-autosubmit="">
            {choices.boards.map((b) => (
              <option value={String(b.id)} selected={b.id === choices.boardId}>
                {b.name}
              </option>
            ))}
          </select>
          <label for="companySearch">Find company</label>
          <input id="companySearch" name="companySearch" type="text" value={companySearch} placeholder="name or identifier" />
          <button type="submit">Refresh from ConnectWise</button>
        </div>
        <p class="muted">
          {choices.live ? "Choices are loaded live from ConnectWise." : "ConnectWise choices could not be loaded; the saved names are shown."}
        </p>
      </form>

      <form method="post" action={action} class="card">
        <CsrfField />
        <input type="hidden" name="boardId" value={choices.boardId == null ? "" : String(choices.boardId)} />
        <input type="hidden" name="companySearch" value={companySearch} />
        <p>
          New tickets are created on board <strong>{boardName}</strong>
          {s?.boardId && s.boardId !== choices.boardId ? <span class="badge warn">changed from {s.boardName}</span> : null}.
        </p>
        <SettingsFieldError errors={errors} name="boardId" />

        <label for="defaultCompanyId">Default (catch-all) company</label>
        <select id="defaultCompanyId" name="defaultCompanyId">
          <option value="">— choose —</option>
          {choices.companies.map((c) => (
            <option value={String(c.id)} selected={selected("defaultCompanyId", s?.defaultCompanyId) === String(c.id)}>
              {c.name}
            </option>
          ))}
        </select>
        <SettingsFieldError errors={errors} name="defaultCompanyId" />

        <label for="matchField">Match the ClusterID against the configuration's</label>
        <select id="matchField" name="matchField">
          {MATCH_FIELDS.map((f) => (
            <option value={f} selected={selected("matchField", s?.matchField ?? "serialNumber") === f}>
              {MATCH_LABEL[f]}
            </option>
          ))}
        </select>
        <SettingsFieldError errors={errors} name="matchField" />

        <fieldset>
          <legend>New portal activity on a ticket closed in ConnectWise</legend>
          {CLOSED_TICKET_ACTIVITY.map((v) => (
            <label class="inline">
              <input type="radio" name="closedTicketActivity" value={v} checked={selected("closedTicketActivity", s?.closedTicketActivity ?? "reopen") === v} />{" "}
              {v === "reopen" ? "Reopen it, to the status the portal's current status maps to" : "Leave it closed and show a warning"}
            </label>
          ))}
        </fieldset>
        <SettingsFieldError errors={errors} name="closedTicketActivity" />

        <label class="inline">
          <input type="checkbox" name="syncOrganisation" value="on" checked={values ? values.syncOrganisation === "on" : s?.syncOrganisation === true} /> Also
          sync requests made by other users of your portal organisation
        </label>
        <p class="muted">
          Off: only requests made by the portal account psa-sync is connected as are synced. On: requests of everyone in that account's portal organisation too,
          if the portal shares them with it. Requests of other providers are never synced.
        </p>
        <SettingsFieldError errors={errors} name="syncOrganisation" />

        <label for="syncFrom">Sync from (first import only)</label>
        <input id="syncFrom" name="syncFrom" type="date" value={values?.syncFrom ?? (s?.syncFrom ? s.syncFrom.slice(0, 10) : "")} />
        <SettingsFieldError errors={errors} name="syncFrom" />

        <h2>Priority mapping</h2>
        <table class="mapping">
          <thead>
            <tr>
              <th>Portal priority</th>
              <th>ConnectWise priority</th>
            </tr>
          </thead>
          <tbody>
            {PRIORITY_KEYS.map((k) => (
              <tr>
                <td>
                  <label for={`priority.${k}`}>{k === "none" ? "(none)" : k}</label>
                </td>
                <td>
                  <select id={`priority.${k}`} name={`priority.${k}`}>
                    <option value="">— not mapped —</option>
                    {choices.priorities.map((p) => (
                      <option value={String(p.id)} selected={selected(`priority.${k}`, priorityOf(k)) === String(p.id)}>
                        {p.name}
                      </option>
                    ))}
                  </select>
                  <SettingsFieldError errors={errors} name={`priority.${k}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>

        <h2>Status mapping</h2>
        <p class="muted">Statuses of board {boardName}. Portal solved and closed must map to a closed status.</p>
        <table class="mapping">
          <thead>
            <tr>
              <th>Portal status</th>
              <th>ConnectWise status</th>
            </tr>
          </thead>
          <tbody>
            {STATUS_KEYS.map((k) => (
              <tr>
                <td>
                  <label for={`status.${k}`}>{k}</label>
                </td>
                <td>
                  <select id={`status.${k}`} name={`status.${k}`}>
                    <option value="">— not mapped —</option>
                    {choices.statuses.map((st) => (
                      <option value={String(st.id)} selected={selected(`status.${k}`, statusOf(k)) === String(st.id)}>
                        {st.name}
                        {st.closedStatus ? " (closed)" : ""}
                      </option>
                    ))}
                  </select>
                  <SettingsFieldError errors={errors} name={`status.${k}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>

        <p class="muted note">
          Comments: always public. psa-sync acts as a portal end user through the Requests API, where every comment is public; ConnectWise internal notes are
          mirrored to the portal as public comments.
        </p>
        <button type="submit" disabled={readOnly}>
          Save settings
        </button>
      </form>

      <form method="post" action={`${action}/apply`} class="card">
        <h2>Apply mappings to open tickets</h2>
        <p class="muted">
          A mapping change applies to tickets whose portal priority or status changes from now on. To push the current mappings to every linked ticket still
          open in ConnectWise now (overriding a technician's own priority or status there), apply them here.
        </p>
        <CsrfField />
        <button type="submit" disabled={readOnly}>
          Apply to open tickets
        </button>
      </form>
    </>
  );
}
