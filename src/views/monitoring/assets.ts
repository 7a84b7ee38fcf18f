/** Styles and same-origin scripts of the monitoring pages (merged into /static/app.css and /static/*.js). */
export const MONITORING_CSS = `
h1 + .lead { margin-top:-.5rem; }
.small { font-size:.85rem; }
ul.plain { list-style:none; padding:0; margin:.5rem 0; } ul.plain li { margin:.3rem 0; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.3rem 1rem; margin:.75rem 0 0; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
.counts { margin:1.25rem 0; }
.stat-card { display:flex; flex-direction:column; color:var(--ink); text-decoration:none; }
.stat-card:hover { border-color:var(--brand); }
.run-chart { margin:0 0 .75rem; } .run-chart svg { width:100%; height:auto; max-height:220px; }
.run-chart .axis { stroke:var(--line); } .run-chart .tick { font-size:10px; fill:var(--muted); }
.run-chart .bar-synced { fill:var(--bar-synced); } .run-chart .bar-failed { fill:var(--bar-failed); } .run-chart .bar-empty { fill:var(--line); }
.run-chart a:hover rect, .run-chart a:focus rect { opacity:.75; }
.key { display:inline-block; width:.8rem; height:.8rem; border-radius:2px; vertical-align:middle; }
.key-synced { background:var(--bar-synced); } .key-failed { background:var(--bar-failed); margin-left:.5rem; }
ul.warnings { padding-left:1.1rem; } ul.warnings > li { margin-bottom:.4rem; }
form.filters { display:flex; flex-wrap:wrap; gap:1rem; align-items:flex-end; margin-bottom:1rem; padding:1rem; }
form.filters label { margin-top:0; } form.filters input[type=text] { min-width:22rem; } form.filters button { margin-top:0; }
form.filters .check label { font-weight:400; }
nav.pager { display:flex; gap:1.5rem; margin:1rem 0; }
button.small { margin:0; padding:.25rem .7rem; font-size:.85rem; }
.actions form button { margin-top:0; }
.actions a[aria-current=page] { font-weight:700; text-decoration:none; color:var(--ink); }
table + nav.pager, .card + table, table { margin-top:.75rem; }
`;

/**
 * Live run progress: polls progress.json every 2 s while the run is going and updates the
 * numbers in place; once the run ends, reloads once to show its final ticket list.
 * Without script the page still shows the numbers as of its load.
 */
const RUN_PROGRESS_JS = `(() => {
  const box = document.getElementById("run-progress");
  if (!box || box.dataset.live !== "1") return;
  for (const hint of box.querySelectorAll(".js-hint")) hint.remove();
  const url = box.dataset.progressUrl;
  const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
  const fmt = (ms) => ms < 1000 ? ms + " ms" : ms < 60000 ? Math.round(ms / 1000) + " s" : Math.floor(ms / 60000) + " min " + Math.round((ms % 60000) / 1000) + " s";
  const classes = { completed: "ok", failed: "bad", running: "warn" };
  async function tick() {
    let data;
    try {
      const res = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" });
      if (!res.ok) return setTimeout(tick, 5000);
      data = await res.json();
    } catch { return setTimeout(tick, 5000); }
    for (const el of box.querySelectorAll("[data-field]")) {
      const field = el.dataset.field;
      if (field === "status") {
        el.textContent = "";
        const badge = document.createElement("span");
        badge.className = "badge " + (classes[data.status] || "");
        badge.textContent = data.status;
        el.appendChild(badge);
      } else if (field === "duration") {
        el.textContent = data.live ? fmt(data.durationMs) + " so far" : fmt(data.durationMs);
      } else {
        const v = get(data, field);
        if (v !== undefined) el.textContent = String(v);
      }
    }
    if (data.live) setTimeout(tick, 2000);
    else { box.dataset.live = "0"; setTimeout(() => location.reload(), 800); }
  }
  setTimeout(tick, 2000);
})();
`;

export const MONITORING_SCRIPTS: Record<string, string> = { "run-progress.js": RUN_PROGRESS_JS };
