import { CONFIGURATION_CSS } from "./configuration/assets";
import { MONITORING_CSS } from "./monitoring/assets";
import { TENANT_ADMIN_CSS } from "./tenant-admin/assets";

/** The one small stylesheet, served at /static/app.css (no inline styles: CSP forbids them). */
const BASE_CSS = `
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f4f6f9; --card:#fff; --brand:#1f5fbf; --brand-ink:#fff; --bad:#b42318; --bad-bg:#fef3f2; --ok:#067647; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
a { color: var(--brand); }
header.top { background:#101828; color:#fff; padding:.75rem 1.5rem; display:flex; align-items:center; gap:1rem; }
header.top .brand { font-weight:700; letter-spacing:.02em; }
header.top .spacer { flex:1; }
header.top form { margin:0; }
main { max-width: 1100px; margin: 2rem auto; padding: 0 1.5rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1.5rem; }
.auth { max-width: 400px; margin: 8vh auto; }
.auth h1 { margin:0 0 .25rem; font-size:1.4rem; }
.auth p.lead { margin:0 0 1.25rem; color:var(--muted); }
label { display:block; font-weight:600; margin: .75rem 0 .25rem; }
input[type=email], input[type=password], input[type=text] { width:100%; padding:.55rem .7rem; border:1px solid var(--line); border-radius:6px; font:inherit; }
input:focus { outline: 2px solid var(--brand); outline-offset: 1px; }
button, .button { display:inline-block; margin-top:1.25rem; padding:.55rem 1.1rem; border:0; border-radius:6px; background:var(--brand); color:var(--brand-ink); font:inherit; font-weight:600; cursor:pointer; text-decoration:none; }
button.link { background:none; color:#fff; margin:0; padding:0; text-decoration:underline; }
.alert { border:1px solid; border-radius:6px; padding:.6rem .8rem; margin: 0 0 1rem; }
.alert.error { color:var(--bad); background:var(--bad-bg); border-color:#fecdca; }
.muted { color: var(--muted); }
.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
header.top a { color:#fff; text-decoration:none; }
nav.tenant-nav { background:#fff; border-bottom:1px solid var(--line); padding:.5rem 1.5rem; display:flex; flex-wrap:wrap; gap:1rem; align-items:center; }
nav.tenant-nav a { color:var(--ink); text-decoration:none; padding:.2rem 0; }
nav.tenant-nav a[aria-current=page] { color:var(--brand); border-bottom:2px solid var(--brand); }
.badge { display:inline-block; font-size:.8rem; padding:.05rem .45rem; border-radius:999px; background:#eef2f8; color:var(--muted); }
.badge.ok { background:#ecfdf3; color:var(--ok); } .badge.warn { background:#fffaeb; color:#b54708; } .badge.bad { background:var(--bad-bg); color:var(--bad); }
table { width:100%; border-collapse:collapse; background:var(--card); }
th, td { text-align:left; padding:.5rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.85rem; color:var(--muted); font-weight:600; }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap:1rem; }
.stat { font-size:1.8rem; font-weight:700; }
.alert.ok { color:var(--ok); background:#ecfdf3; border-color:#abefc6; }
.alert.warn { color:#b54708; background:#fffaeb; border-color:#fedf89; }
.field-error { color:var(--bad); font-size:.9rem; margin:.2rem 0 0; }
select, textarea { padding:.45rem .6rem; border:1px solid var(--line); border-radius:6px; font:inherit; }
.actions { display:flex; gap:.75rem; align-items:center; flex-wrap:wrap; }
section + section { margin-top:1.25rem; }
`;

export const APP_CSS = [BASE_CSS, MONITORING_CSS, CONFIGURATION_CSS, TENANT_ADMIN_CSS].join("\n");
