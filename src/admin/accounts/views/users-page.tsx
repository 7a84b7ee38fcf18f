import { CsrfField } from "../../shared/views/layout";
import { SIGN_IN_LINK_TTL_MS } from "../sign-in-links";
import { FieldError, Flash, ReadOnlyNote, SecretOnce } from "../../shared/views/components";
import { Time } from "../../shared/views/time";

export const SIGN_IN_LINK_HOURS = SIGN_IN_LINK_TTL_MS / 3_600_000;

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: "operator" | "tenant_admin" | "tenant_viewer";
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
}

export interface UsersPageProps {
  tenantId: string;
  /** Viewers and operators see the users but change nothing. */
  readOnly: boolean;
  /** The signed-in user: their own row has no actions. */
  selfId: string;
  users: UserRow[];
  /** A one-time sign-in link just issued: shown this once. */
  issued?: { email: string; link: string };
  ok?: string | undefined;
  errors?: Record<string, string>;
  values?: { email?: string; name?: string; role?: string };
}

const ROLE_LABEL = { operator: "operator", tenant_admin: "admin", tenant_viewer: "viewer" } as const;

function Actions({ row, base }: { row: UserRow; base: string }) {
  const target = `${base}/${row.id}`;
  return (
    <div class="actions compact">
      <form method="post" action={`${target}/role`} class="inline">
        <CsrfField />
        <input type="hidden" name="role" value={row.role === "tenant_admin" ? "tenant_viewer" : "tenant_admin"} />
        <button type="submit" class="secondary">
          {row.role === "tenant_admin" ? "Make viewer" : "Make admin"}
        </button>
      </form>
      <form method="post" action={`${target}/${row.disabled ? "enable" : "disable"}`} class="inline">
        <CsrfField />
        <button type="submit" class={row.disabled ? "secondary" : "danger"}>
          {row.disabled ? "Enable" : "Disable"}
        </button>
      </form>
      <form method="post" action={`${target}/reset-password`} class="inline">
        <CsrfField />
        <button type="submit" class="secondary">
          Reset password
        </button>
      </form>
    </div>
  );
}

export function UsersPage({ tenantId, readOnly, selfId, users, issued, ok, errors = {}, values = {} }: UsersPageProps) {
  const base = `/t/${tenantId}/users`;
  return (
    <>
      <h1>Users</h1>
      <Flash ok={ok} error={errors.form} />
      {issued ? (
        <SecretOnce label={`One-time sign-in link for ${issued.email}`} value={issued.link}>
          <p class="muted">Send it to them only: it works once, for {SIGN_IN_LINK_HOURS} hours, and lets them choose their own password.</p>
        </SecretOnce>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Role</th>
            <th>State</th>
            <th>Added</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((row) => (
            <tr data-user={row.email}>
              <td>{row.email}</td>
              <td>{row.name}</td>
              <td>{ROLE_LABEL[row.role]}</td>
              <td>
                {row.disabled ? <span class="badge bad">disabled</span> : <span class="badge ok">active</span>}
                {row.mustChangePassword && !row.disabled ? <span class="badge warn">awaiting first sign-in</span> : null}
              </td>
              <td>
                <Time iso={row.createdAt} none="never" />
              </td>
              <td>{readOnly ? null : row.id === selfId ? <span class="muted">you</span> : <Actions row={row} base={base} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {readOnly ? (
        <ReadOnlyNote />
      ) : (
        <section class="card" aria-labelledby="add-user">
          <h2 id="add-user">Add a user</h2>
          <form method="post" action={base} novalidate>
            <CsrfField />
            <label for="user-email">Email</label>
            <input id="user-email" name="email" type="email" required value={values.email ?? ""} />
            <FieldError id="user-email" message={errors.email} />
            <label for="user-name">Name</label>
            <input id="user-name" name="name" type="text" required value={values.name ?? ""} />
            <FieldError id="user-name" message={errors.name} />
            <label for="user-role">Role</label>
            <select id="user-role" name="role">
              <option value="tenant_viewer" selected={values.role !== "tenant_admin"}>
                viewer — sees every page, changes nothing
              </option>
              <option value="tenant_admin" selected={values.role === "tenant_admin"}>
                admin — also changes settings, users and tokens
              </option>
            </select>
            <FieldError id="user-role" message={errors.role} />
            <div>
              <button type="submit">Add user</button>
            </div>
          </form>
        </section>
      )}
    </>
  );
}
