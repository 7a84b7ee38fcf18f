import { app } from "./app";
import { handleScheduled } from "./cron/scheduled";
import { routeQueue } from "./queues/router";

export { CallBudget } from "./durable-objects/call-budget";
export { PortalBudget } from "./durable-objects/portal-budget";
export { RateLimiter } from "./durable-objects/rate-limiter";
export { TicketSync } from "./durable-objects/ticket-sync";

export default {
  fetch: app.fetch,
  scheduled: handleScheduled,
  queue: routeQueue,
} satisfies ExportedHandler<Env, unknown>;
