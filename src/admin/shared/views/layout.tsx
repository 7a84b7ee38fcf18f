import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { jsxRenderer, useRequestContext } from "hono/jsx-renderer";
import type { AdminEnv } from "../context";

/** What a page hands the layout with `c.render(content, props)`; the rest comes from the request. */
interface PageProps {
  title: string;
  /** Which tenant navigation entry is current (its path after `/t/:id`, e.g. "tickets"). */
  active?: string;
  /** Page scripts besides /static/app.js (same-origin files only: the CSP forbids inline script). */
  scripts?: string[];
  /** Where the browser goes next at once (a meta refresh: a new navigation, which `form-action` does not govern). */
  refresh?: string;
}

declare module "hono" {
  // An interface, not a type alias: only an interface merges into hono's own (so `c.render` takes the page props).
  interface ContextRenderer {
    // biome-ignore lint/style/useShorthandFunctionType: declaration merging needs the interface
    (content: string | Promise<string>, props: PageProps): Response | Promise<Response>;
  }
}

/** The variables the layout reads: none is set before sign-in, and `tenantHeader` only on tenant pages. */
const pageVariables = (c: Context) => c.var as Partial<AdminEnv["Variables"]>;

/** Hidden CSRF field for every POST form of a signed-in page (the session's token, from the request). */
export function CsrfField() {
  return <input type="hidden" name="csrf" value={pageVariables(useRequestContext()).csrfToken ?? ""} />;
}

interface LayoutProps extends PageProps {
  /** Signed-in user shown in the header, with a sign-out button. */
  user: AdminEnv["Variables"]["user"] | undefined;
  csrfToken: string | undefined;
  /** The tenant the page is about: shows the tenant navigation. */
  tenant: AdminEnv["Variables"]["tenantHeader"] | undefined;
  children: Child;
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

function Layout({ title, user, csrfToken, tenant, active, scripts, refresh, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {refresh ? <meta http-equiv="refresh" content={`0; url=${refresh}`} /> : null}
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

/** Every page's layout, `c.render(content, { title, ... })`: the user, CSRF token and tenant header come from the request. */
export const pageRenderer = jsxRenderer(({ children, title, active, scripts, refresh }, c) => {
  const v = pageVariables(c);
  return (
    <Layout title={title} active={active} scripts={scripts} refresh={refresh} user={v.user} csrfToken={v.csrfToken} tenant={v.tenantHeader}>
      {children}
    </Layout>
  );
});
