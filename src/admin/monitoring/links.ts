/**
 * Links out to the two systems. Connection addresses are admin input, so only http(s)
 * URLs become links (never a `javascript:` one).
 */
function httpBase(url: string): URL | null {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u : null;
  } catch {
    return null;
  }
}

/** The end-user view of a request in the Support Portal (Zendesk Help Center: /hc/requests/{id}). */
export function portalRequestUrl(baseUrl: string, portalTicketId: number): string | null {
  const base = httpBase(baseUrl);
  return base ? `${base.href.replace(/\/$/, "")}/hc/requests/${portalTicketId}` : null;
}

/** ConnectWise Manage's service ticket screen for a ticket id (needs the codebase from companyinfo). */
export function cwTicketUrl(conn: { site: string; codebase: string | null; companyId: string }, cwTicketId: number): string | null {
  const base = httpBase(conn.site);
  if (!base || !conn.codebase) return null;
  const params = new URLSearchParams({ service_recid: String(cwTicketId), companyName: conn.companyId });
  return `${base.href.replace(/\/$/, "")}/${conn.codebase.replace(/^\/|\/$/g, "")}/services/system_io/Service/fv_sr100_request.rails?${params}`;
}
