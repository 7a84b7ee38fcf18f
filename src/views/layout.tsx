import type { Child } from "hono/jsx";

export interface LayoutProps {
  title: string;
  /** Signed-in user shown in the header, with a sign-out button. */
  user?: { email: string };
  csrfToken?: string;
  children: Child;
}

export function Layout({ title, user, csrfToken, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · psa-sync`}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <header class="top">
          <span class="brand">psa-sync</span>
          <span class="muted">Support Portal ⇄ ConnectWise PSA</span>
          <span class="spacer" />
          {user ? (
            <form method="post" action="/logout">
              <input type="hidden" name="csrf" value={csrfToken ?? ""} />
              <span>{user.email} · </span>
              <button class="link" type="submit">
                Sign out
              </button>
            </form>
          ) : null}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
