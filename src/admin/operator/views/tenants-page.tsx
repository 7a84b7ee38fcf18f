import { CsrfField } from "../../shared/views/layout";
import { FieldError, Flash, SecretOnce } from "../../shared/views/components";
import { Time } from "../../shared/views/time";
import { SIGN_IN_LINK_HOURS } from "../../accounts/views/users-page";

export interface TenantListRow {
  id: string;
  name: string;
  slug: string;
  status: "active" | "disabled";
  paused: boolean;
  attentionReason: string | null;
  cwApprovedHost: string | null;
  lastRunAt: string | null;
  lastRunStatus: string | null;
}

export interface TenantsPageProps {
  tenants: TenantListRow[];
  /** The new tenant and its first admin's one-time sign-in link: shown this once. */
  created?: { tenantId: string; name: string; adminEmail: string; link: string };
  ok?: string | undefined;
  errors?: Record<string, string>;
  values?: Record<string, string>;
}

function Row({ t }: { t: TenantListRow }) {
  const action = t.status === "active" ? "disable" : "enable";
  return (
    <tr data-tenant={t.slug}>
      <td>
        <strong>{t.name}</strong>
        <div class="muted">{t.slug}</div>
      </td>
      <td>{t.status === "active" ? <span class="badge ok">active</span> : <span class="badge bad">disabled</span>}</td>
      <td>{t.paused ? <span class="badge warn">paused</span> : "no"}</td>
      <td>
        {t.attentionReason ? (
          <span class="badge bad" title={t.attentionReason}>
            {t.attentionReason}
          </span>
        ) : (
          "no"
        )}
      </td>
      <td>
        {t.lastRunAt ? (
          <>
            {t.lastRunStatus ?? ""} · <Time iso={t.lastRunAt} />
          </>
        ) : (
          "never"
        )}
      </td>
      <td>
        <form method="post" action={`/operator/tenants/${t.id}/connectwise-host`} class="inline">
          <CsrfField />
          <label class="visually-hidden" for={`cw-host-${t.id}`}>
            Approved on-premises ConnectWise host of {t.name}
          </label>
          <input id={`cw-host-${t.id}`} name="host" type="text" value={t.cwApprovedHost ?? ""} placeholder="cloud only" size={22} />
          <button type="submit" class="secondary">
            Save
          </button>
        </form>
      </td>
      <td>
        <div class="actions compact">
          <a href={`/t/${t.id}`}>Open</a>
          <form method="post" action={`/operator/tenants/${t.id}/${action}`} class="inline">
            <CsrfField />
            <button type="submit" class={action === "disable" ? "danger" : "secondary"}>
              {action === "disable" ? "Disable" : "Enable"}
            </button>
          </form>
        </div>
      </td>
    </tr>
  );
}

export function TenantsPage({ tenants, created, ok, errors = {}, values = {} }: TenantsPageProps) {
  return (
    <>
      <h1>Tenants</h1>
      <Flash ok={ok} error={errors.form} />
      {created ? (
        <SecretOnce label={`One-time sign-in link for ${created.adminEmail} (first admin of ${created.name})`} value={created.link}>
          <p class="muted">
            Send it to them only: it works once, for {SIGN_IN_LINK_HOURS} hours, and lets them choose their own password.{" "}
            <a href={`/t/${created.tenantId}`}>Open the tenant</a>
          </p>
        </SecretOnce>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Tenant</th>
            <th>Status</th>
            <th>Paused</th>
            <th>Needs attention</th>
            <th>Last run</th>
            <th>
              <abbr title="ConnectWise cloud hosts need no approval; an on-premises server (host or host:port, https) must be approved here before the tenant can connect to it.">
                On-premises ConnectWise
              </abbr>
            </th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tenants.length === 0 ? (
            <tr>
              <td colspan={7} class="muted">
                No tenants yet.
              </td>
            </tr>
          ) : null}
          {tenants.map((t) => (
            <Row t={t} />
          ))}
        </tbody>
      </table>
      <section class="card" aria-labelledby="new-tenant">
        <h2 id="new-tenant">Register a tenant</h2>
        <p class="muted">Creates the IT service provider and its first admin, who then connects the portal and ConnectWise.</p>
        <form method="post" action="/operator/tenants" novalidate>
          <CsrfField />
          <label for="tenant-name">Name</label>
          <input id="tenant-name" name="name" type="text" required value={values.name ?? ""} />
          <FieldError id="tenant-name" message={errors.name} />
          <label for="tenant-slug">Slug</label>
          <input id="tenant-slug" name="slug" type="text" required value={values.slug ?? ""} placeholder="e.g. contoso-it" />
          <FieldError id="tenant-slug" message={errors.slug} />
          <label for="admin-email">First admin's email</label>
          <input id="admin-email" name="adminEmail" type="email" required value={values.adminEmail ?? ""} />
          <FieldError id="admin-email" message={errors.adminEmail} />
          <label for="admin-name">First admin's name</label>
          <input id="admin-name" name="adminName" type="text" required value={values.adminName ?? ""} />
          <FieldError id="admin-name" message={errors.adminName} />
          <div>
            <button type="submit">Register tenant</button>
          </div>
        </form>
      </section>
    </>
  );
}
