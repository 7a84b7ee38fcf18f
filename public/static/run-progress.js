/**
 * Live run progress (the run page): polls progress.json every 2 s while the run is going and
 * updates the numbers in place; once the run ends, reloads once to show its final ticket list.
 * Without script the page still shows the numbers as of its load.
 */
(() => {
  const box = document.getElementById("run-progress");
  if (box?.dataset.live !== "1") return;
  for (const hint of box.querySelectorAll(".js-hint")) hint.remove();
  const url = box.dataset.progressUrl;
  const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
  const fmt = (ms) =>
    ms < 1000 ? `${ms} ms` : ms < 60000 ? `${Math.round(ms / 1000)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  const classes = { completed: "ok", failed: "bad", running: "warn" };
  async function tick() {
    let data;
    try {
      const res = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" });
      if (!res.ok) return setTimeout(tick, 5000);
      data = await res.json();
    } catch {
      return setTimeout(tick, 5000);
    }
    for (const el of box.querySelectorAll("[data-field]")) {
      const field = el.dataset.field;
      if (field === "status") {
        el.textContent = "";
        const badge = document.createElement("span");
        badge.className = `badge ${classes[data.status] || ""}`;
        badge.textContent = data.status;
        el.appendChild(badge);
      } else if (field === "duration") {
        el.textContent = data.live ? `${fmt(data.durationMs)} so far` : fmt(data.durationMs);
      } else {
        const v = get(data, field);
        if (v !== undefined) el.textContent = String(v);
      }
    }
    if (data.live) setTimeout(tick, 2000);
    else {
      box.dataset.live = "0";
      setTimeout(() => location.reload(), 800);
    }
  }
  setTimeout(tick, 2000);
})();
