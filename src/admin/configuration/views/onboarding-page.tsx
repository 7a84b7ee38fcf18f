import type { Configuration } from "../../../db/queries/configuration";
import { DEFAULT_CLUSTER_FIELD_ID } from "../schemas";
import type { TestResult } from "../../../domain/connection-test";
import { CsrfField } from "../../shared/views/layout";
import { SettingsFieldError, Notice, TestResultTable, type FieldMessages } from "./parts";

export interface OnboardingProps {
  tenantId: string;
  /** The signed-in user may look but not change (viewer, or an operator looking in). */
  readOnly: boolean;
  config: Configuration;
  lastTest: TestResult | null;
  /** A message after an action (saved, or what went wrong). */
  notice?: { kind: "ok" | "error" | "warn"; text: string } | null;
  /** Which form the field errors belong to, and the values typed (never a secret). */
  form?: { name: "portal-oauth" | "portal-token" | "connectwise"; errors: FieldMessages; values: Record<string, string> } | null;
}

/** Step state for the checklist: each unlocks the next. */
function onboardingSteps(config: Configuration, lastTest: TestResult | null) {
  const portal = config.portal !== null;
  const cw = config.cw !== null;
  const tested = Boolean(lastTest?.ok);
  const settings = Boolean(config.settings?.boardId && config.settings.defaultCompanyId && config.priorities.length >= 5 && config.statuses.length >= 6);
  return [
    { n: 1, label: "Support Portal connected", done: portal, open: true },
    { n: 2, label: "ConnectWise connected", done: cw, open: portal },
    { n: 3, label: "Test connection passed", done: tested, open: portal && cw },
    { n: 4, label: "Advanced Settings saved", done: settings, open: tested || settings },
  ];
}

export function OnboardingPage({ tenantId, readOnly, config, lastTest, notice, form }: OnboardingProps) {
  const steps = onboardingSteps(config, lastTest);
  const base = `/t/${tenantId}/onboarding`;
  const errorsFor = (name: string) => (form?.name === name ? form.errors : {});
  const fieldValue = (name: string, key: string, fallback: string) => (form?.name === name ? (form.values[key] ?? fallback) : fallback);
  const p = config.portal;
  const cw = config.cw;
  const showCw = steps[1]!.open || cw !== null || form?.name === "connectwise";
  return (
    <>
      <h1>Connections</h1>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <ol class="checklist" aria-label="Setup checklist">
        {steps.map((s) => (
          <li class={s.done ? "done" : s.open ? "open" : "locked"}>
            <span class={`badge ${s.done ? "ok" : s.open ? "warn" : ""}`}>{s.done ? "done" : s.open ? "to do" : "locked"}</span> {s.n}. {s.label}
          </li>
        ))}
      </ol>

      <section class="card" id="portal">
        <h2>1. Support Portal</h2>
        {p ? (
          <p>
            <span class={`badge ${p.status === "connected" ? "ok" : "bad"}`}>{p.status === "connected" ? "connected" : "needs attention"}</span> as{" "}
            <strong>{p.email ?? "unknown user"}</strong> ({p.authMode === "oauth" ? "OAuth token" : "API token"}) · token •••• saved · ClusterID field{" "}
            {p.clusterFieldId ?? "not set"}
            {p.statusReason ? <span class="muted"> — {p.statusReason}</span> : null}
          </p>
        ) : (
          <p class="muted">Sign in with the portal account psa-sync should act as. Its requests are the ones synced.</p>
        )}
        <form method="post" action={`${base}/portal/oauth`}>
          <CsrfField />
          <label for="clusterFieldId">ClusterID custom field id</label>
          <input
            id="clusterFieldId"
            name="clusterFieldId"
            type="text"
            inputmode="numeric"
            value={fieldValue("portal-oauth", "clusterFieldId", String(p?.clusterFieldId ?? DEFAULT_CLUSTER_FIELD_ID))}
          />
          <SettingsFieldError errors={errorsFor("portal-oauth")} name="clusterFieldId" />
          <button type="submit" disabled={readOnly}>
            {p ? "Generate a new token" : "Generate Token"}
          </button>
          <p class="muted">You will sign in on the portal's own page; psa-sync never sees your portal password.</p>
        </form>
        <details open={form?.name === "portal-token"}>
          <summary>Use an API token instead</summary>
          <form method="post" action={`${base}/portal/token`}>
            <CsrfField />
            <label for="tokenEmail">Portal user email</label>
            <input id="tokenEmail" name="email" type="email" required value={fieldValue("portal-token", "email", p?.email ?? "")} />
            <SettingsFieldError errors={errorsFor("portal-token")} name="email" />
            <label for="apiToken">API token</label>
            <input id="apiToken" name="apiToken" type="password" required autocomplete="off" />
            <SettingsFieldError errors={errorsFor("portal-token")} name="apiToken" />
            <label for="tokenClusterFieldId">ClusterID custom field id</label>
            <input
              id="tokenClusterFieldId"
              name="clusterFieldId"
              type="text"
              inputmode="numeric"
              value={fieldValue("portal-token", "clusterFieldId", String(p?.clusterFieldId ?? DEFAULT_CLUSTER_FIELD_ID))}
            />
            <SettingsFieldError errors={errorsFor("portal-token")} name="clusterFieldId" />
            <button type="submit" disabled={readOnly}>
              Connect with API token
            </button>
            <p class="muted">The portal retires API tokens on 2027-04-30; prefer Generate Token.</p>
          </form>
        </details>
      </section>

      <section class="card" id="connectwise">
        <h2>2. ConnectWise PSA</h2>
        {cw ? (
          <p>
            <span class={`badge ${cw.status === "connected" ? "ok" : "bad"}`}>{cw.status === "connected" ? "connected" : "needs attention"}</span> {cw.site},
            company <strong>{cw.companyId}</strong>, codebase {cw.codebase ?? "?"} · private key •••• saved
            {cw.statusReason ? <span class="muted"> — {cw.statusReason}</span> : null}
          </p>
        ) : !showCw ? (
          <p class="muted">Connect the Support Portal first.</p>
        ) : null}
        {showCw ? (
          <form method="post" action={`${base}/connectwise`}>
            <CsrfField />
            <label for="site">Site URL</label>
            <input
              id="site"
              name="site"
              type="text"
              required
              placeholder="https://api-na.myconnectwise.net"
              value={fieldValue("connectwise", "site", cw?.site ?? "")}
            />
            <SettingsFieldError errors={errorsFor("connectwise")} name="site" />
            <label for="companyId">Company id</label>
            <input id="companyId" name="companyId" type="text" required value={fieldValue("connectwise", "companyId", cw?.companyId ?? "")} />
            <SettingsFieldError errors={errorsFor("connectwise")} name="companyId" />
            <label for="publicKey">Public key</label>
            <input id="publicKey" name="publicKey" type="text" required value={fieldValue("connectwise", "publicKey", cw?.publicKey ?? "")} />
            <SettingsFieldError errors={errorsFor("connectwise")} name="publicKey" />
            <label for="privateKey">Private key</label>
            <input
              id="privateKey"
              name="privateKey"
              type="password"
              autocomplete="off"
              required={!cw}
              placeholder={cw ? "•••• saved — leave empty to keep" : ""}
            />
            <SettingsFieldError errors={errorsFor("connectwise")} name="privateKey" />
            <label for="clientId">clientId</label>
            <input id="clientId" name="clientId" type="text" required value={fieldValue("connectwise", "clientId", cw?.clientId ?? "")} />
            <SettingsFieldError errors={errorsFor("connectwise")} name="clientId" />
            <button type="submit" disabled={readOnly}>
              {cw ? "Save / Rotate credentials" : "Connect ConnectWise"}
            </button>
          </form>
        ) : null}
      </section>

      <section class="card" id="test">
        <h2>3. Test connection</h2>
        <p class="muted">
          Checks that both systems answer, that the credentials work, and that the ConnectWise API member may use every entity psa-sync touches.
        </p>
        {steps[2]!.open ? (
          <form method="post" action={`${base}/test`} data-busy>
            <CsrfField />
            <label class="inline">
              <input type="checkbox" name="testTicket" value="on" /> Also create a test ticket in ConnectWise (on the board and default company of Advanced
              Settings) and close it
            </label>
            <button type="submit" disabled={readOnly}>
              Test connection
            </button>
          </form>
        ) : (
          <p class="muted">Connect both systems first.</p>
        )}
        {lastTest ? <TestResultTable result={lastTest} /> : null}
      </section>

      <section class="card">
        <h2>4. Advanced Settings</h2>
        <p>
          {steps[3]!.open ? <a href={`/t/${tenantId}/settings`}>Open Advanced Settings</a> : <span class="muted">Pass the connection test first.</span>} —
          board, default company, ClusterID match field and the priority and status mappings.
        </p>
      </section>
    </>
  );
}
