import { UpstreamError } from "../../connectors/http";
import { AppError } from "../../lib/errors";

/** Calls to external systems from an admin page should not hold the page for 20 s. */
export const ADMIN_TIMEOUT_MS = 10_000;

const SYSTEM = { portal: "The Support Portal", connectwise: "ConnectWise" } as const;

/**
 * A connector failure in plain words for an admin (never a secret: upstream messages are
 * already clipped by the connector and never echo credentials).
 */
export function describeFailure(err: unknown, side: keyof typeof SYSTEM): string {
  const who = SYSTEM[side];
  if (!(err instanceof AppError)) return `${who} could not be reached (${err instanceof Error ? err.name : "network error"}).`;
  const status = err instanceof UpstreamError && err.httpStatus !== null ? ` (HTTP ${err.httpStatus})` : "";
  switch (err.code) {
    case "unauthorized":
      return `${who} refused the credentials${status}.`;
    case "forbidden":
      return `${who} denied access${status}: ${err.message}`;
    case "not_found":
      return `${who} answered "not found"${status}: check the address and company id.`;
    case "rate_limited":
      return `${who} is rate limiting us${status}; try again in a minute.`;
    case "upstream_unavailable":
      return `${who} could not be reached or is unavailable${status}.`;
    default:
      return `${who} answered with an error${status}: ${err.message}`;
  }
}
