import { AppError } from "../lib/errors";

/**
 * When an error means the tenant's credentials or permissions are wrong, the plain-language
 * reason and fix shown to its admin; null for any other error.
 */
export function credentialProblem(err: unknown): string | null {
  if (!(err instanceof AppError) || (err.code !== "unauthorized" && err.code !== "forbidden")) return null;
  const system = err.message.startsWith("connectwise") ? "ConnectWise" : err.message.startsWith("zendesk") ? "The Support Portal" : "A connected system";
  const what = err.code === "unauthorized" ? "rejected psa-sync's credentials" : "refused psa-sync access (missing permission)";
  const fix =
    err.code === "unauthorized"
      ? "Reconnect it under Settings → Connections (new keys or Generate Token), then use Sync now."
      : "Give the API member the permissions listed by Test connection, then use Sync now.";
  return `${system} ${what}. ${fix}`;
}
