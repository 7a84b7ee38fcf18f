export interface LoginPageProps {
  email?: string;
  error?: string;
}

export function LoginPage({ email, error }: LoginPageProps) {
  return (
    <section class="card auth" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p class="lead">Admin utility for the Support Portal and ConnectWise PSA integration.</p>
      {error ? (
        <div class="alert error" role="alert">
          {error}
        </div>
      ) : null}
      <form method="post" action="/login" novalidate>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value={email ?? ""} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
