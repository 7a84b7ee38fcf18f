/**
 * Where psa-sync may send a request (the egress policy, docs/security.md). Pure: the
 * deployment's settings come in as `EgressConfig`, so every rule is unit-testable.
 *
 * Every outbound call names its destination kind; a URL that breaks a rule is refused
 * before anything is sent. Outside local development: https only, on the default port
 * (an operator-approved on-premises ConnectWise host may name its own); no credentials in
 * the URL; no IP literals, loopback, private or link-local names; never this Worker's own
 * origin; the portal only at the deployment's portal address; ConnectWise only on its cloud
 * hosts or the tenant's approved host. Names that resolve to private addresses are left to
 * the Workers runtime, which does not route to them.
 */
export type Destination = "portal" | "connectwise" | "alert";

export interface EgressConfig {
  /** The deployment's portal address (PORTAL_BASE_URL), without a trailing slash. */
  portalBaseUrl: string;
  /** Origins exempt from the https and local-address rules: only set for local development. */
  localOrigins: readonly string[];
  /** This Worker's own origins (PUBLIC_URL and the origin of the request being served). */
  selfOrigins: readonly string[];
}

export interface EgressTarget {
  /** The tenant's operator-approved on-premises ConnectWise host (`host[:port]`), if any. */
  approvedCwHost?: string | null;
}

export type EgressVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** ConnectWise cloud hosts (api-na.myconnectwise.net, na.myconnectwise.net, api-staging.connectwisedev.com …). */
const CW_CLOUD_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:myconnectwise\.net|connectwisedev\.com)$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Names that only mean something inside a network (RFC 6761, 6762, 8375 and common internal zones). */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/;

const refuse = (reason: string): EgressVerdict => ({ ok: false, reason });

function isConnectWiseCloudHost(host: string): boolean {
  return CW_CLOUD_HOST.test(host.toLowerCase());
}

/** `host[:port]` as an operator types it; null when it is not a plain host name. */
export function normaliseApprovedHost(value: string): string | null {
  const v = value
    .trim()
    .toLowerCase()
    .replace(/^https:\/\//, "")
    .replace(/\/+$/, "");
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(v)) return null;
  const host = v.replace(/:\d+$/, "");
  if (IPV4.test(host) || LOCAL_NAME.test(host) || !host.includes(".")) return null;
  return v;
}

export function checkEgress(raw: string, destination: Destination, config: EgressConfig, target: EgressTarget = {}): EgressVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("not a valid address");
  }
  if (url.username || url.password) return refuse("addresses with credentials are not allowed");
  if (config.selfOrigins.includes(url.origin)) return refuse("psa-sync does not call itself");
  const local = config.localOrigins.includes(url.origin);

  if (!local) {
    if (url.protocol !== "https:") return refuse("only https addresses are allowed");
    const host = url.hostname.toLowerCase();
    // WHATWG URL parsing turns decimal, octal and hex IPv4 forms into dotted quads first.
    if (IPV4.test(host) || host.startsWith("[")) return refuse("IP addresses are not allowed; use the host name");
    if (LOCAL_NAME.test(host) || !host.includes(".")) return refuse("local and internal host names are not allowed");
  }

  switch (destination) {
    case "portal": {
      const portal = new URL(config.portalBaseUrl);
      const base = portal.pathname.replace(/\/+$/, "");
      if (url.origin !== portal.origin || !(url.pathname === base || url.pathname.startsWith(`${base}/`)))
        return refuse("only the deployment's Support Portal is allowed");
      return { ok: true, url };
    }
    case "connectwise": {
      if (local) return { ok: true, url };
      const approved = target.approvedCwHost ?? null;
      if (approved && url.host === approved) return { ok: true, url };
      if (url.port !== "") return refuse("only the default https port is allowed");
      if (!isConnectWiseCloudHost(url.hostname)) return refuse("not a ConnectWise cloud host; an operator must approve an on-premises host first");
      return { ok: true, url };
    }
    case "alert":
      if (!local && url.port !== "") return refuse("only the default https port is allowed");
      return { ok: true, url };
  }
}
