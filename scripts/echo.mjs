// `npm run echo`: issue 15's done-when at its real size. A first import of 200 requests × 5
// comments with push wired (every sandbox delivery replayed to the Worker, as under
// `npm start`), the sandbox enforcing the account's 700/min and each member's 1,000/min,
// PORTAL_CALL_LIMIT 600/60; a request filed halfway. ECHO_REQUESTS, ECHO_COMMENTS resize it;
// figures printed and written to bench/echo.json.
import { machine, runVitestCollecting, writeReport } from "./vitest-events.mjs";

const started = Date.now();
const env = {
  ECHO_REQUESTS: process.env.ECHO_REQUESTS ?? "200",
  ECHO_COMMENTS: process.env.ECHO_COMMENTS ?? "5",
  ECHO_LIMITS: "1",
  PORTAL_CALL_LIMIT: process.env.PORTAL_CALL_LIMIT ?? "600/60",
  CW_CALL_LIMIT: process.env.CW_CALL_LIMIT ?? "1000/60",
};
const args = ["--project", "workers", "test/integration/push-echo.test.ts", "-t", "a first import under push"];
const { code, events } = await runVitestCollecting(args, "echo.report", env);
if (events[0])
  writeReport("echo.json", {
    at: new Date().toISOString(),
    machine: machine(),
    wallSeconds: Math.round((Date.now() - started) / 1000),
    passed: code === 0,
    ...events[0],
  });
process.exit(code);
