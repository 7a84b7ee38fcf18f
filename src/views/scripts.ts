import { APP_SCRIPTS } from "./app-script";
import { CONFIGURATION_SCRIPTS } from "./configuration/assets";
import { MONITORING_SCRIPTS } from "./monitoring/assets";
import { TENANT_ADMIN_SCRIPTS } from "./tenant-admin/assets";

/**
 * Same-origin page scripts (the CSP allows no inline script), served at /static/<name>.
 * Progressive enhancement only: every page works without them.
 */
export const PAGE_SCRIPTS: Record<string, string> = { ...APP_SCRIPTS, ...MONITORING_SCRIPTS, ...CONFIGURATION_SCRIPTS, ...TENANT_ADMIN_SCRIPTS };
