/** Styles and same-origin scripts of the configuration pages (merged into /static/app.css and /static/*.js). */
export const CONFIGURATION_CSS = `
ol.checklist { list-style:none; padding:0; display:flex; flex-wrap:wrap; gap:.5rem 1.5rem; margin:0 0 1.25rem; }
ol.checklist li.locked { color:var(--muted); }
.test-result table { margin-top:.5rem; }
tr.check-problem td { background:var(--bad-bg); }
table.mapping { margin:.5rem 0 1rem; }
table.mapping select { min-width: 18rem; }
form.refresh .actions label { margin:0; }
form.refresh button { margin-top:0; }
label.inline { font-weight:400; display:flex; gap:.5rem; align-items:center; }
ul.changes { margin:.4rem 0 0; }
details { margin-top:1rem; }
details summary { cursor:pointer; color:var(--brand); }
`;

/**
 * Progressive enhancement only: choosing another board in the "Refresh" form reloads
 * its statuses at once (without JS the Refresh button does the same).
 */
const CONFIGURATION_JS = `
document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
  el.addEventListener("change", function () { if (el.form) el.form.requestSubmit(); });
});
`;

export const CONFIGURATION_SCRIPTS: Record<string, string> = { "configuration.js": CONFIGURATION_JS };
