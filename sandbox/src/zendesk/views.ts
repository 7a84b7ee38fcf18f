import { escapeHtml } from "./store";

export type AuthorizeParams = {
  response_type: string;
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
};

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0}main{max-width:380px;margin:8vh auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
label{display:block;margin:.8rem 0 .3rem}input[type=email],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.2rem;width:100%;padding:.6rem;background:#17494d;color:#fff;border:0;border-radius:4px}
.error{color:#b00020;background:#fde7ea;padding:.5rem;border-radius:4px}.muted{color:#555;font-size:.9rem}</style></head>
<body><main>${body}</main></body></html>`;

/** The portal's sign-in page shown by the OAuth authorization endpoint; every echoed value is escaped. */
export function signInPage(params: AuthorizeParams, opts: { error?: string; email?: string } = {}): string {
  const hidden = (Object.keys(params) as (keyof AuthorizeParams)[])
    .filter((k) => params[k] !== undefined)
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params[k] ?? "")}">`)
    .join("");
  return page(
    "Sign in to Easy Connect Support",
    `<h1>Sign in to Easy Connect Support</h1>
<p class="muted">The application <strong>${escapeHtml(params.client_id)}</strong> is requesting access to your account (scope: ${escapeHtml(params.scope)}).</p>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ""}
<form method="post">${hidden}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(opts.email ?? "")}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in and allow</button></form>`,
  );
}

export function oauthErrorPage(message: string): string {
  return page("Authorization error", `<h1>Authorization error</h1><p class="error">${escapeHtml(message)}</p>`);
}
