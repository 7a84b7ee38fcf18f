import { createHttpClient } from "../http";
import type { FetchLike } from "../../egress/fetch";
import { describeConnectWiseError } from "./normalise";
import { companyInfoSchema } from "./schemas";

export const trimSite = (site: string) => site.replace(/\/+$/, "");

/**
 * The codebase (`v4_6_release/`, or a versioned one on cloud) from the unauthenticated
 * `GET {site}/login/companyinfo/{companyId}`. Cloud codebases change with upgrades, so
 * callers re-run this when the API starts answering 404.
 */
export async function lookupCodebase(opts: { fetch: FetchLike; site: string; companyId: string; timeoutMs?: number }): Promise<string> {
  const http = createHttpClient({ fetch: opts.fetch, api: "connectwise", describeError: describeConnectWiseError, timeoutMs: opts.timeoutMs });
  const url = `${trimSite(opts.site)}/login/companyinfo/${encodeURIComponent(opts.companyId)}`;
  const { data } = await http.send({ url, headers: { Accept: "application/json" }, schema: companyInfoSchema });
  const codebase = data.Codebase.replace(/^\/+/, "");
  return codebase.endsWith("/") ? codebase : `${codebase}/`;
}
