import { createLogger, errorFields } from "../lib/log";
import { pollVendorFeed } from "../feed/catch-up";
import { dispatchTenantRuns } from "./dispatch";
import { resealSecrets } from "./reseal";
import { pruneExpired } from "./retention";

/** The Cron Triggers in wrangler.jsonc, by job. */
export const RUNS_CRON = "*/5 * * * *";
export const RETENTION_CRON = "17 3 * * *";

/** Routes a Cron Trigger to its job by its expression. */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const logger = createLogger({ cron: controller.cron });
  switch (controller.cron) {
    case RUNS_CRON: {
      // The feed's catch-up first, so the runs dispatched next see whether it is healthy; a
      // failing poll is recorded on the feed and must not stop the runs.
      const poll = await pollVendorFeed(env, logger).catch((err: unknown) => {
        logger.error("feed.poll_crashed", errorFields(err));
        return null;
      });
      if (poll && poll.state !== "absent") logger.info("cron.feed_polled", { state: poll.state });
      const result = await dispatchTenantRuns(env, "cron", logger, new Date(controller.scheduledTime));
      logger.info("cron.dispatched", { dispatched: result.dispatched, skipped: result.skipped, staleClosed: result.staleClosed });
      return;
    }
    case RETENTION_CRON:
      await pruneExpired(env.DB, logger, controller.scheduledTime);
      await resealSecrets(env, logger);
      return;
    default:
      logger.error("cron.unknown", { code: "unknown_cron" });
  }
}
