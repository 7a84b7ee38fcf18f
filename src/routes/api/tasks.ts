import { Hono } from "hono";
import type { ApiEnv } from "./auth";

/** Tasks: sync now, resync a ticket, pause/resume, replay failures. */
export const tasksApi = new Hono<ApiEnv>();
