import { describe, expect, it } from "vitest";
import { checkEgress, normaliseApprovedHost, type EgressConfig } from "../../../src/egress/policy";

const PRODUCTION: EgressConfig = { portalBaseUrl: "https://support.vendor.example", localOrigins: [], selfOrigins: ["https://psa-sync.vendor.example"] };
const LOCAL: EgressConfig = { portalBaseUrl: "http://localhost:8788/zendesk", localOrigins: ["http://localhost:8788"], selfOrigins: ["http://localhost:8787"] };

const refused = (url: string, destination: Parameters<typeof checkEgress>[1], config = PRODUCTION, target = {}) => {
  const verdict = checkEgress(url, destination, config, target);
  return verdict.ok ? null : verdict.reason;
};

describe("egress policy", () => {
  it("sends to the deployment's portal, and nowhere else for the portal", () => {
    expect(refused("https://support.vendor.example/oauth/tokens", "portal")).toBeNull();
    expect(refused("https://support.vendor.example/api/v2/requests.json?page[size]=100", "portal")).toBeNull();
    expect(refused("https://attacker.example/oauth/tokens", "portal")).toMatch(/deployment's Support Portal/);
    expect(refused("https://support.vendor.example.attacker.example/oauth/tokens", "portal")).toMatch(/deployment's Support Portal/);
    expect(refused("http://support.vendor.example/oauth/tokens", "portal")).toMatch(/only https/);
    expect(refused("http://localhost:8788/zendesk/oauth/tokens", "portal", LOCAL)).toBeNull();
    expect(refused("http://localhost:8788/cw/login", "portal", LOCAL)).toMatch(/deployment's Support Portal/);
  });

  it("sends to ConnectWise cloud hosts, and to an on-premises host only once an operator approved it", () => {
    for (const host of ["api-na.myconnectwise.net", "api-eu.myconnectwise.net", "na.myconnectwise.net", "api-staging.connectwisedev.com"]) {
      expect(refused(`https://${host}/v4_6_release/apis/3.0/service/tickets`, "connectwise")).toBeNull();
    }
    expect(refused("https://cw.msp.example/v4_6_release/apis/3.0/system/info", "connectwise")).toMatch(/operator must approve/);
    expect(refused("https://cw.msp.example/v4_6_release/apis/3.0/system/info", "connectwise", PRODUCTION, { approvedCwHost: "cw.msp.example" })).toBeNull();
    expect(refused("https://cw.msp.example:8443/x", "connectwise", PRODUCTION, { approvedCwHost: "cw.msp.example:8443" })).toBeNull();
    expect(refused("https://cw.msp.example:8443/x", "connectwise", PRODUCTION, { approvedCwHost: "cw.msp.example" })).toMatch(/default https port/);
    expect(refused("https://evil.myconnectwise.net.attacker.example/x", "connectwise")).toMatch(/not a ConnectWise cloud host/);
    expect(refused("https://api-na.myconnectwise.net:444/x", "connectwise")).toMatch(/default https port/);
  });

  it("refuses plain http, credentials in the URL, IP literals, local names and itself", () => {
    expect(refused("http://api-na.myconnectwise.net/x", "connectwise")).toMatch(/only https/);
    expect(refused("https://user:pass@api-na.myconnectwise.net/x", "connectwise")).toMatch(/credentials/);
    for (const ip of [
      "https://10.0.0.5/x",
      "https://127.0.0.1/x",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/x",
      "https://[fd00::1]/x",
      "https://2130706433/x",
      "https://0x7f000001/x",
    ]) {
      expect(refused(ip, "alert"), ip).toMatch(/IP addresses/);
    }
    for (const name of ["https://localhost/x", "https://printer.local/x", "https://db.internal/x", "https://router.home.arpa/x", "https://intranet/x"]) {
      expect(refused(name, "alert"), name).toMatch(/local and internal/);
    }
    expect(refused("https://psa-sync.vendor.example/hooks/portal/x", "alert")).toMatch(/does not call itself/);
    expect(refused("http://localhost:8787/api/v1/status", "alert", LOCAL)).toMatch(/does not call itself/);
    expect(refused("https://hooks.slack.example/services/T000/B000", "alert")).toBeNull();
    expect(refused("not a url", "alert")).toMatch(/not a valid address/);
  });

  it("widens only for the origins local development names", () => {
    expect(refused("http://localhost:8788/cw/login/companyinfo/acme", "connectwise", LOCAL)).toBeNull();
    expect(refused("http://localhost:9999/cw/login/companyinfo/acme", "connectwise", LOCAL)).toMatch(/only https/);
    expect(refused("http://127.0.0.1:8788/cw/x", "connectwise", LOCAL)).toMatch(/only https/);
  });

  it("accepts only plain host names as approved on-premises hosts", () => {
    expect(normaliseApprovedHost(" CW.msp.example ")).toBe("cw.msp.example");
    expect(normaliseApprovedHost("https://cw.msp.example:8443/")).toBe("cw.msp.example:8443");
    for (const bad of ["10.1.2.3", "localhost", "cw.local", "cw", "cw.msp.example/path", "user@cw.msp.example", "http://cw.msp.example"])
      expect(normaliseApprovedHost(bad), bad).toBeNull();
  });
});
