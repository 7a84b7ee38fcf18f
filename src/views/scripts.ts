/**
 * Same-origin page scripts (the CSP allows no inline script), served at /static/<name>.
 * Progressive enhancement only: every page works without them.
 */
export const PAGE_SCRIPTS: Record<string, string> = {};
