/** Styles and same-origin scripts of the tenant-admin, account and operator pages (merged into /static/app.css and /static/*.js). */
export const TENANT_ADMIN_CSS = `
dl.facts { display:grid; grid-template-columns: max-content 1fr; gap:.35rem 1rem; margin:0; }
dl.facts dt { font-weight:600; color:var(--muted); }
dl.facts dd { margin:0; }
form.inline { display:inline; margin:0; }
form.inline button, .actions.compact button { margin-top:0; padding:.3rem .7rem; font-size:.9rem; }
button.secondary { background:var(--chip); color:var(--ink); }
button.danger { background:var(--danger); color:var(--danger-ink); }
.secret-once code.secret { display:inline-block; padding:.35rem .6rem; background:var(--card); border:1px dashed var(--ok); border-radius:6px; font-size:1.05rem; word-break:break-all; user-select:all; }
.secret-once p { margin:.25rem 0; }
p.hint { margin:.2rem 0 0; font-size:.9rem; }
h2 { font-size:1.15rem; margin:0 0 .5rem; }
main > table + section, main > section + table, main > .alert + table { margin-top:1.25rem; }
`;
export const TENANT_ADMIN_SCRIPTS: Record<string, string> = {};
