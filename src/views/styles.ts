import { CONFIGURATION_CSS } from "./configuration/assets";
import { MONITORING_CSS } from "./monitoring/assets";
import { TENANT_ADMIN_CSS } from "./tenant-admin/assets";

/** The one small stylesheet, served at /static/app.css (no inline styles: CSP forbids them). */
const BASE_CSS = `
:root { color-scheme: light dark;
  --ink:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f4f6f9; --card:#fff; --chip:#eef2f8; --brand:#1f5fbf; --brand-ink:#fff;
  --bad:#b42318; --bad-bg:#fef3f2; --bad-line:#fecdca; --ok:#067647; --ok-bg:#ecfdf3; --ok-line:#abefc6; --warn:#b54708; --warn-bg:#fffaeb; --warn-line:#fedf89;
  --danger:#b42318; --danger-ink:#fff; --top-bg:#101828; --top-ink:#fff; --top-muted:#c0c6d2; --bar-synced:#12b76a; --bar-failed:#f04438; }
/* Dark mode follows the system setting; every pair keeps WCAG AA contrast (the e2e axe check holds it). */
@media (prefers-color-scheme: dark) {
  :root { --ink:#e6e9ef; --muted:#a3abba; --line:#3a4356; --bg:#0f1420; --card:#171d2b; --chip:#252d3f; --brand:#7fb0ff; --brand-ink:#0f1420;
    --bad:#ff9b8f; --bad-bg:#3a1715; --bad-line:#7a2e27; --ok:#6ce0a6; --ok-bg:#10291d; --ok-line:#1f6b45; --warn:#fdb36b; --warn-bg:#33240d; --warn-line:#7a5418;
    --top-bg:#0a0e17; --top-muted:#b7bfcc; --bar-synced:#32d583; --bar-failed:#f97066; }
}
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
a { color: var(--brand); }
header.top { background:var(--top-bg); color:var(--top-ink); padding:.75rem 1.5rem; display:flex; align-items:center; gap:1rem; }
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
button.link { background:none; color:var(--top-ink); margin:0; padding:0; text-decoration:underline; }
.alert { border:1px solid; border-radius:6px; padding:.6rem .8rem; margin: 0 0 1rem; }
.alert.error { color:var(--bad); background:var(--bad-bg); border-color:var(--bad-line); }
.muted { color: var(--muted); }
.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
header.top a { color:var(--top-ink); text-decoration:none; }
header.top .muted { color:var(--top-muted); }
nav.tenant-nav { background:var(--card); border-bottom:1px solid var(--line); padding:.5rem 1.5rem; display:flex; flex-wrap:wrap; gap:1rem; align-items:center; }
nav.tenant-nav a { color:var(--ink); text-decoration:none; padding:.2rem 0; }
nav.tenant-nav a[aria-current=page] { color:var(--brand); border-bottom:2px solid var(--brand); }
.badge { display:inline-block; font-size:.8rem; padding:.05rem .45rem; border-radius:999px; background:var(--chip); color:var(--muted); }
.badge.ok { background:var(--ok-bg); color:var(--ok); } .badge.warn { background:var(--warn-bg); color:var(--warn); } .badge.bad { background:var(--bad-bg); color:var(--bad); }
table { width:100%; border-collapse:collapse; background:var(--card); }
th, td { text-align:left; padding:.5rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.85rem; color:var(--muted); font-weight:600; }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap:1rem; }
.stat { font-size:1.8rem; font-weight:700; }
.alert.ok { color:var(--ok); background:var(--ok-bg); border-color:var(--ok-line); }
.alert.warn { color:var(--warn); background:var(--warn-bg); border-color:var(--warn-line); }
.field-error { color:var(--bad); font-size:.9rem; margin:.2rem 0 0; }
select, textarea { padding:.45rem .6rem; border:1px solid var(--line); border-radius:6px; font:inherit; }
input, select, textarea { background:var(--card); color:var(--ink); }
::placeholder { color:var(--muted); opacity:1; }
button:disabled, button[aria-busy=true] { opacity:.7; cursor:progress; }
.actions { display:flex; gap:.75rem; align-items:center; flex-wrap:wrap; }
section + section { margin-top:1.25rem; }
`;

export const APP_CSS = [BASE_CSS, MONITORING_CSS, CONFIGURATION_CSS, TENANT_ADMIN_CSS].join("\n");
