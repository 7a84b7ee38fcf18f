import { Flash, NewPasswordFields } from "../../shared/views/components";

export interface FirstSignInPageProps {
  /** The link's own path (the form posts back to it); absent when the link does not work. */
  action?: string;
  email?: string;
  errors?: Record<string, string>;
}

/** Choose a password with a one-time sign-in link. */
export function FirstSignInPage({ action, email, errors = {} }: FirstSignInPageProps) {
  return (
    <section class="card auth" aria-labelledby="first-title">
      <h1 id="first-title">Choose your password</h1>
      <Flash error={errors.form} />
      {action ? (
        <>
          <p class="lead">Welcome, {email}. Choose the password you will sign in with; this link then stops working.</p>
          <form method="post" action={action} novalidate>
            <NewPasswordFields errors={errors} label="Password" repeatLabel="Repeat the password" hint="not your email address" />
            <button type="submit">Set password and sign in</button>
          </form>
        </>
      ) : (
        <p>
          <a href="/login">Go to sign-in</a>
        </p>
      )}
    </section>
  );
}
