import { Hono } from "hono";
import type { AdminEnv } from "./session";

/** Configuration pages under /t/:tenantId: onboarding (connections, test connection) and Advanced Settings. */
export const configurationPages = new Hono<AdminEnv>();
