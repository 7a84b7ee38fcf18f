export { createPortalClient } from "./client";
export type { PortalAuth } from "./auth";
export { buildAuthorizeUrl, exchangeCode, pkcePair } from "./oauth";
