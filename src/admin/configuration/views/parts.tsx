import type { TestResult } from "../../../domain/connection-test";
import { Time } from "../../shared/views/time";

/** Small pieces shared by the configuration pages. */

/** A form's messages by field name (`form` for the whole form), as the pages' error handler hands them over. */
export type FieldMessages = Record<string, string>;

export function SettingsFieldError({ errors, name }: { errors: FieldMessages; name: string }) {
  const message = errors[name];
  return message ? (
    <p class="field-error" id={`${name}-error`} role="alert">
      {message}
    </p>
  ) : null;
}

export function Notice({ kind, children }: { kind: "ok" | "error" | "warn"; children: string | string[] }) {
  return (
    <div class={`alert ${kind}`} role={kind === "ok" ? "status" : "alert"}>
      {children}
    </div>
  );
}

/** The last "Test connection" result, one line per check with the fix for each problem. */
export function TestResultTable({ result }: { result: TestResult }) {
  return (
    <div class="test-result">
      <p>
        <span class={`badge ${result.ok ? "ok" : "bad"}`}>{result.ok ? "All checks passed" : "Problems found"}</span>{" "}
        <span class="muted">
          tested <Time iso={result.testedAt} />
        </span>
        {result.testTicketId ? <span> · test ticket #{result.testTicketId}</span> : null}
      </p>
      <table>
        <thead>
          <tr>
            <th>System</th>
            <th>Check</th>
            <th>Result</th>
            <th>What to do</th>
          </tr>
        </thead>
        <tbody>
          {result.lines.map((l) => (
            <tr class={l.ok ? "check-ok" : "check-problem"}>
              <td>{l.side === "portal" ? "Support Portal" : "ConnectWise"}</td>
              <td>{l.check}</td>
              <td>
                <span class={`badge ${l.skipped ? "" : l.ok ? "ok" : "bad"}`}>{l.skipped ? "skipped" : l.ok ? "OK" : "problem"}</span> {l.detail}
              </td>
              <td>{l.fix ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The hop to the portal's sign-in page, rendered with `refresh: url`. A page, not a 303: the
 * CSP's `form-action 'self'` also governs redirects after a form post, so the browser would
 * refuse a redirect to the portal's origin; a meta refresh (and the link, for anyone without
 * it) is a new navigation.
 */
export function PortalSignInHop({ url }: { url: string }) {
  return (
    <section class="auth card">
      <h1>Continue to the portal</h1>
      <p>Sign in on the Support Portal's own page to let psa-sync act as you.</p>
      <a class="button" id="portal-sign-in" href={url}>
        Continue to the portal sign-in
      </a>
    </section>
  );
}
