/** Styles and same-origin scripts of the configuration pages (merged into /static/app.css and /static/*.js). */
export const CONFIGURATION_CSS = "";
export const CONFIGURATION_SCRIPTS: Record<string, string> = {};
