import { AppError } from "../../../src/lib/errors";
import { createLogger, errorFields } from "../../../src/lib/log";

/** The events the captured tail JSON holds, logged through the real logger (a Worker logs them for the capture; the test logs them again to compare). */
export function logSample(): void {
  const log = createLogger({ tenant: "tnt_acme_demo", run: "run_1" });
  log.info("ticket.synced", { ticket: 1042, cwTicket: 5501, apiCalls: 4, ms: 180 });
  log.warn("queue.retry", { queue: "ticket-sync", messageId: "m-1", attempts: 2, delaySeconds: 10, code: "upstream_unavailable" });
  createLogger({ tenant: "tnt_other" }).error("queue.dead_lettered", { queue: "ticket-sync", messageId: "m-2" });
  log.error("ticket.sync_failed", {
    ticket: 1043,
    ...errorFields(new AppError("upstream_unavailable", "ConnectWise refused the update")),
    password: "never-logged",
  });
  log.debug("run.page_sent", { source: "portal", tickets: 3 });
}
