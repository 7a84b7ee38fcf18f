export { createConnectWiseClient, CW_API_VERSION } from "./client";
export { lookupCodebase } from "./codebase";
