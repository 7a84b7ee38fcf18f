import { MIN_PASSWORD_LENGTH } from "../schemas/accounts";
import { Layout } from "./layout";
import { FieldError, Flash } from "./tenant-admin/components";

export interface FirstSignInPageProps {
  /** The link's own path (the form posts back to it); absent when the link does not work. */
  action?: string;
  email?: string;
  errors?: Record<string, string>;
}

/** Choose a password with a one-time sign-in link. */
export function FirstSignInPage({ action, email, errors = {} }: FirstSignInPageProps) {
  return (
    <Layout title="Choose your password">
      <section class="card auth" aria-labelledby="first-title">
        <h1 id="first-title">Choose your password</h1>
        <Flash error={errors.form} />
        {action ? (
          <>
            <p class="lead">Welcome, {email}. Choose the password you will sign in with; this link then stops working.</p>
            <form method="post" action={action} novalidate>
              <label for="password">Password</label>
              <input
                id="password"
                name="password"
                type="password"
                autocomplete="new-password"
                required
                minlength={MIN_PASSWORD_LENGTH}
                aria-invalid={errors.password ? "true" : undefined}
              />
              <p class="muted hint">At least {MIN_PASSWORD_LENGTH} characters; not your email address.</p>
              <FieldError id="password" message={errors.password} />
              <label for="confirm">Repeat the password</label>
              <input id="confirm" name="confirm" type="password" autocomplete="new-password" required aria-invalid={errors.confirm ? "true" : undefined} />
              <FieldError id="confirm" message={errors.confirm} />
              <button type="submit">Set password and sign in</button>
            </form>
          </>
        ) : (
          <p>
            <a href="/login">Go to sign-in</a>
          </p>
        )}
      </section>
    </Layout>
  );
}
