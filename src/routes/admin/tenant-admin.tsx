import { Hono } from "hono";
import type { AdminEnv } from "./session";

/** Tenant administration pages under /t/:tenantId: admin tasks, users, API tokens. */
export const tenantAdminPages = new Hono<AdminEnv>();
