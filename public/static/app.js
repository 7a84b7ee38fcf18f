/**
 * The script every page loads. Progressive enhancement only:
 * - <time datetime> text switches from UTC to the viewer's time zone (the UTC `title` stays);
 * - a form marked `data-busy` (a slow action: Test connection, Replay all, Sync now) disables
 *   its button and says "Working…" once submitted, so a second click cannot send it again.
 */
(() => {
  const local = new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
  for (const el of document.querySelectorAll("time[datetime]")) {
    const at = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(at.getTime())) el.textContent = local.format(at);
  }
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", (event) => {
      if (form.getAttribute("aria-busy") === "true") return event.preventDefault();
      form.setAttribute("aria-busy", "true");
      // After the submission has taken the form's data: a disabled button would drop out of it.
      setTimeout(() => {
        for (const button of form.querySelectorAll("button")) {
          button.dataset.label = button.textContent;
          button.textContent = "Working…";
          button.disabled = true;
        }
      }, 0);
    });
  }
  // Back to a page kept in the browser's cache: its forms are usable again.
  addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    for (const form of document.querySelectorAll("form[aria-busy=true]")) {
      form.removeAttribute("aria-busy");
      for (const button of form.querySelectorAll("button[data-label]")) {
        button.textContent = button.dataset.label;
        button.disabled = false;
      }
    }
  });
})();
