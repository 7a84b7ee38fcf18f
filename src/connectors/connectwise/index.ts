export { createConnectWiseClient, CW_API_VERSION, type ConnectWiseClientOptions } from "./client";
export { lookupCodebase } from "./codebase";
export { cond, stringLiteral, datetimeLiteral, type Condition } from "./conditions";
