import { Hono } from "hono";
import type { ApiEnv } from "./auth";

/** Runs, tickets and timelines, failures. */
export const monitoringApi = new Hono<ApiEnv>();
