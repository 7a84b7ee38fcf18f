// `npm run load`: 1,000 tenants × 5 changed tickets (2 comments each) plus 200 idle tenants
// under the real limits (the sandbox enforcing the account's 700/min and each member's
// 1,000/min; PORTAL_CALL_LIMIT 600/60, CW_CALL_LIMIT 1000/60), a tick every 5 minutes until
// everything is mirrored. LOAD_TENANTS, LOAD_TICKETS, LOAD_COMMENTS, LOAD_IDLE,
// LOAD_TICK_SECONDS, LOAD_MAX_MINUTES resize it; figures printed and written to bench/load.json.
import { machine, runVitestCollecting, writeReport } from "./vitest-events.mjs";

const started = Date.now();
const env = { LOAD: "1", CW_CALL_LIMIT: process.env.CW_CALL_LIMIT ?? "1000/60", PORTAL_CALL_LIMIT: process.env.PORTAL_CALL_LIMIT ?? "600/60" };
const { code, events } = await runVitestCollecting(["--project", "workers", "test/load"], "load.report", env);
if (events[0])
  writeReport("load.json", {
    at: new Date().toISOString(),
    machine: machine(),
    wallSeconds: Math.round((Date.now() - started) / 1000),
    passed: code === 0,
    ...events[0],
  });
process.exit(code);
