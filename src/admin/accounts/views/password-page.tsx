import { CsrfField } from "../../shared/views/layout";
import { FieldError, Flash, NewPasswordFields } from "../../shared/views/components";

export interface PasswordPageProps {
  /** The signed-in user's email. */
  email: string;
  /** First sign-in with a temporary password: nothing else opens until it is changed. */
  forced: boolean;
  errors?: Record<string, string>;
}

export function PasswordPage({ email, forced, errors = {} }: PasswordPageProps) {
  return (
    <section class="card auth" aria-labelledby="pw-title">
      <h1 id="pw-title">Change password</h1>
      {forced ? <p class="lead">You signed in with a temporary password. Choose your own password to continue.</p> : <p class="lead">Signed in as {email}.</p>}
      <Flash error={errors.form} />
      <form method="post" action="/account/password" novalidate>
        <CsrfField />
        <label for="current">{forced ? "Temporary password" : "Current password"}</label>
        <input id="current" name="current" type="password" autocomplete="current-password" required aria-invalid={errors.current ? "true" : undefined} />
        <FieldError id="current" message={errors.current} />
        <NewPasswordFields errors={errors} label="New password" repeatLabel="Repeat the new password" hint="not your email address or your current password" />
        <button type="submit">Change password</button>
      </form>
    </section>
  );
}
