import { Hono } from "hono";
import type { ApiEnv } from "./auth";

/** Connections (secrets write-only), mappings, settings, test connection. */
export const configurationApi = new Hono<ApiEnv>();
