import { Hono } from "hono";
import type { AdminEnv } from "./session";

/** Operator pages: tenants (create, disable, open read-only). */
export const operatorPages = new Hono<AdminEnv>();
