import { app } from "./app";
import { dispatchTenantRuns } from "./cron/dispatch";
import { createLogger } from "./lib/log";
import { routeQueue } from "./queues/router";

export { CallBudget } from "./durable-objects/call-budget";
export { RateLimiter } from "./durable-objects/rate-limiter";
export { TicketSync } from "./durable-objects/ticket-sync";

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    const logger = createLogger({ cron: controller.cron });
    const result = await dispatchTenantRuns(env, "cron", logger, new Date(controller.scheduledTime));
    logger.info("cron.dispatched", { dispatched: result.dispatched, skipped: result.skipped, staleClosed: result.staleClosed });
  },
  queue: routeQueue,
} satisfies ExportedHandler<Env, unknown>;
