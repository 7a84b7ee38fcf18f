import type { Child } from "hono/jsx";
import { MIN_PASSWORD_LENGTH } from "../../../schemas/accounts";

/** Small pieces shared by the pages of several features (accounts, tasks, operator). */

export function Flash({ ok, error }: { ok?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {ok ? (
        <div class="alert ok" role="status">
          {ok}
        </div>
      ) : null}
      {error ? (
        <div class="alert error" role="alert">
          {error}
        </div>
      ) : null}
    </>
  );
}

export function FieldError({ message, id }: { message?: string | undefined; id: string }) {
  return message ? (
    <p class="field-error" id={`${id}-error`}>
      {message}
    </p>
  ) : null;
}

/**
 * A secret shown once (temporary password, API token): not stored in a readable form,
 * so the page says so plainly.
 */
export function SecretOnce({ label, value, children }: { label: string; value: string; children?: Child }) {
  return (
    <div class="alert ok secret-once" role="status">
      <p>
        <strong>{label}</strong>
      </p>
      <p>
        <code class="secret" data-secret="once">
          {value}
        </code>
      </p>
      <p class="muted">Copy it now: it is shown only this once and cannot be displayed again.</p>
      {children}
    </div>
  );
}

export function ReadOnlyNote() {
  return <p class="muted">You can see this page but not change it (read-only access).</p>;
}

/** A new password and its repetition, with the policy's hint (`hint` says what it may not be). */
export function NewPasswordFields({ errors, label, repeatLabel, hint }: { errors: Record<string, string>; label: string; repeatLabel: string; hint: string }) {
  return (
    <>
      <label for="password">{label}</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="new-password"
        required
        minlength={MIN_PASSWORD_LENGTH}
        aria-invalid={errors.password ? "true" : undefined}
      />
      <p class="muted hint">
        At least {MIN_PASSWORD_LENGTH} characters; {hint}.
      </p>
      <FieldError id="password" message={errors.password} />
      <label for="confirm">{repeatLabel}</label>
      <input id="confirm" name="confirm" type="password" autocomplete="new-password" required aria-invalid={errors.confirm ? "true" : undefined} />
      <FieldError id="confirm" message={errors.confirm} />
    </>
  );
}
