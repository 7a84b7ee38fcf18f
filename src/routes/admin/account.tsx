import { Hono } from "hono";
import type { AdminEnv } from "./session";

/** Account pages: the signed-in user's own password (forced change of temporary passwords). */
export const accountRoutes = new Hono<AdminEnv>();
