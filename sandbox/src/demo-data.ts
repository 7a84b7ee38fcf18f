/**
 * The demo dataset shared by both emulators and documented in the README. Tools outside
 * the project rely on these credentials: keep them exactly as they are.
 */
export const DEMO_CONNECTWISE = {
  companyId: "acme",
  publicKey: "acme-public-key",
  privateKey: "acme-private-key",
  clientId: "psa-sync-demo-client",
  codebase: "v4_6_release/",
} as const;

export const DEMO_PORTAL = {
  userEmail: "it@acme-msp.test",
  userName: "Acme MSP IT",
  password: "acme-portal-pass",
  apiToken: "acme-portal-token",
  oauthClientId: "psa-sync",
  oauthClientSecret: "psa-sync-demo-secret",
  /** Custom ticket field holding the ClusterID. */
  clusterFieldId: 360001234567,
} as const;

/** ClusterIDs on portal requests; each matches a CW configuration's serialNumber. */
export const DEMO_CLUSTERS = [
  { clusterId: "CZJ1234ABC", company: "Contoso Dental", configuration: "EC-Contoso-01", tagNumber: "TAG-1001" },
  { clusterId: "CZJ5678DEF", company: "Fabrikam Legal", configuration: "EC-Fabrikam-01", tagNumber: "TAG-1002" },
  { clusterId: "CZJ9012GHI", company: "Northwind Clinic", configuration: "EC-Northwind-01", tagNumber: "TAG-1003" },
  { clusterId: "CZJ3456JKL", company: "Contoso Dental", configuration: "EC-Contoso-02", tagNumber: "TAG-1004" },
] as const;

/** A ClusterID no configuration has: its tickets land on the catch-all company. */
export const DEMO_UNKNOWN_CLUSTER = "CZJ0000ZZZ";

export const DEMO_CATCH_ALL_COMPANY = "Acme MSP Catch-All";
