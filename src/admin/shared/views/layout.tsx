import type { Child } from "hono/jsx";

export interface LayoutUser {
  email: string;
  role: "operator" | "tenant_admin" | "tenant_viewer";
}

export interface LayoutProps {
  title: string;
  /** Signed-in user shown in the header, with a sign-out button. */
  user?: LayoutUser;
  csrfToken?: string;
  /** The tenant the page is about: shows the tenant navigation. */
  tenant?: { id: string; name: string; readOnly: boolean };
  /** Which navigation entry is current (its path after `/t/:id`, e.g. "tickets"). */
  active?: string;
  /** Page scripts besides /static/app.js (same-origin files only: the CSP forbids inline script). */
  scripts?: string[];
  children: Child;
}

/** Hidden CSRF field for every POST form of a signed-in page. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="csrf" value={token} />;
}

const TENANT_NAV: { path: string; label: string }[] = [
  { path: "", label: "Dashboard" },
  { path: "tickets", label: "Tickets" },
  { path: "runs", label: "Runs" },
  { path: "failures", label: "Failures" },
  { path: "onboarding", label: "Connections" },
  { path: "settings", label: "Advanced Settings" },
  { path: "tasks", label: "Admin tasks" },
  { path: "users", label: "Users" },
  { path: "tokens", label: "API tokens" },
  { path: "audit", label: "Audit log" },
];

export function Layout({ title, user, csrfToken, tenant, active, scripts, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · psa-sync`}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/app.css" />
        {["/static/app.js", ...(scripts ?? [])].map((src) => (
          <script src={src} defer />
        ))}
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            psa-sync
          </a>
          <span class="muted">Support Portal ⇄ ConnectWise PSA</span>
          <span class="spacer" />
          {user?.role === "operator" ? <a href="/operator/tenants">Tenants</a> : null}
          {user?.role === "operator" ? <a href="/operator/vendor-feed">Vendor feed</a> : null}
          {user ? (
            <form method="post" action="/logout">
              <input type="hidden" name="csrf" value={csrfToken ?? ""} />
              <a href="/account/password">{user.email}</a>
              <span> · </span>
              <button class="link" type="submit">
                Sign out
              </button>
            </form>
          ) : null}
        </header>
        {tenant ? (
          <nav class="tenant-nav" aria-label="Tenant">
            <strong>{tenant.name}</strong>
            {tenant.readOnly ? <span class="badge">read-only</span> : null}
            {TENANT_NAV.map((item) => (
              <a href={`/t/${tenant.id}${item.path ? `/${item.path}` : ""}`} aria-current={item.path === active ? "page" : undefined}>
                {item.label}
              </a>
            ))}
          </nav>
        ) : null}
        <main>{children}</main>
      </body>
    </html>
  );
}
