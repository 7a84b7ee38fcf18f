/** Styles and same-origin scripts of the monitoring pages (merged into /static/app.css and /static/*.js). */
export const MONITORING_CSS = "";
export const MONITORING_SCRIPTS: Record<string, string> = {};
