import { CsrfField } from "../../shared/views/layout";
import { TOKEN_EXPIRY_DAYS } from "../../../schemas/accounts";
import { FieldError, Flash, ReadOnlyNote, SecretOnce } from "../../shared/views/components";
import { Time } from "../../shared/views/time";

export interface TokenRow {
  id: string;
  name: string;
  scope: "read" | "admin";
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
}

export interface TokensPageProps {
  tenantId: string;
  /** Viewers and operators see the tokens but change nothing. */
  readOnly: boolean;
  tokens: TokenRow[];
  /** The token just created: shown this once. */
  created?: { name: string; token: string };
  ok?: string | undefined;
  errors?: Record<string, string>;
  values?: { name?: string; scope?: string; expiresInDays?: string };
}

const expired = (t: TokenRow) => t.expiresAt !== null && Date.parse(t.expiresAt) <= Date.now();

function TokenState({ t }: { t: TokenRow }) {
  if (t.revokedAt)
    return (
      <span class="badge bad">
        revoked <Time iso={t.revokedAt} />
      </span>
    );
  if (expired(t))
    return (
      <span class="badge bad">
        expired <Time iso={t.expiresAt} />
      </span>
    );
  return (
    <>
      <span class="badge ok">active</span>
      {t.expiresAt ? (
        <span class="muted">
          {" "}
          until <Time iso={t.expiresAt} />
        </span>
      ) : null}
    </>
  );
}

export function TokensPage({ tenantId, readOnly, tokens, created, ok, errors = {}, values = {} }: TokensPageProps) {
  const base = `/t/${tenantId}/tokens`;
  return (
    <>
      <h1>API tokens</h1>
      <p class="muted">
        Tokens let scripts use the configuration API (<a href="/api/v1/openapi.json">/api/v1</a>) as this tenant: send{" "}
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
      <Flash ok={ok} error={errors.form} />
      {created ? <SecretOnce label={`Token "${created.name}"`} value={created.token} /> : null}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Scope</th>
            <th>Created</th>
            <th>Last used</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.length === 0 ? (
            <tr>
              <td colspan={6} class="muted">
                No tokens yet.
              </td>
            </tr>
          ) : null}
          {tokens.map((t) => (
            <tr>
              <td>{t.name}</td>
              <td>{t.scope === "admin" ? "admin (read and change)" : "read"}</td>
              <td>
                <Time iso={t.createdAt} none="never" />
              </td>
              <td>
                <Time iso={t.lastUsedAt} none="never" />
              </td>
              <td>
                <TokenState t={t} />
              </td>
              <td>
                {!t.revokedAt && !expired(t) && !readOnly ? (
                  <form method="post" action={`${base}/${t.id}/revoke`} class="inline">
                    <CsrfField />
                    <button type="submit" class="danger">
                      Revoke
                    </button>
                  </form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {readOnly ? (
        <ReadOnlyNote />
      ) : (
        <section class="card" aria-labelledby="new-token">
          <h2 id="new-token">Create a token</h2>
          <form method="post" action={base} novalidate>
            <CsrfField />
            <label for="token-name">Name</label>
            <input id="token-name" name="name" type="text" required value={values.name ?? ""} placeholder="e.g. deployment script" />
            <FieldError id="token-name" message={errors.name} />
            <label for="token-scope">Scope</label>
            <select id="token-scope" name="scope">
              <option value="read" selected={values.scope !== "admin"}>
                read — view configuration, runs and status
              </option>
              <option value="admin" selected={values.scope === "admin"}>
                admin — also change settings and run tasks
              </option>
            </select>
            <FieldError id="token-scope" message={errors.scope} />
            <label for="token-expiry">Expires</label>
            <select id="token-expiry" name="expiresInDays">
              {TOKEN_EXPIRY_DAYS.map((d) => (
                <option value={d} selected={(values.expiresInDays ?? "90") === d}>
                  in {d} days
                </option>
              ))}
              <option value="never" selected={values.expiresInDays === "never"}>
                never (until revoked)
              </option>
            </select>
            <FieldError id="token-expiry" message={errors.expiresInDays} />
            <div>
              <button type="submit">Create token</button>
            </div>
          </form>
        </section>
      )}
    </>
  );
}
