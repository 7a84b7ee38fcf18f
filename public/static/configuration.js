/**
 * Advanced Settings, progressive enhancement only: choosing another board in the "Refresh" form
 * reloads its statuses at once (without script the Refresh button does the same).
 */
document.querySelectorAll("[data-autosubmit]").forEach((el) => {
  el.addEventListener("change", () => {
    if (el.form) el.form.requestSubmit();
  });
});
