/** Styles and same-origin scripts of the tenant-admin pages (merged into /static/app.css and /static/*.js). */
export const TENANT_ADMIN_CSS = "";
export const TENANT_ADMIN_SCRIPTS: Record<string, string> = {};
