// `npm run load`: 200 tenants × 50 changed tickets in one tick, at the production ConnectWise
// call cap (LOAD_* to resize); figures printed and written to bench/load.json.
import { machine, runVitestCollecting, writeReport } from "./vitest-events.mjs";

const started = Date.now();
const env = { LOAD: "1", CW_CALL_LIMIT: process.env.CW_CALL_LIMIT ?? "1000/60" };
const { code, events } = await runVitestCollecting(["--project", "workers", "test/load"], "load.report", env);
if (events[0]) writeReport("load.json", { at: new Date().toISOString(), machine: machine(), wallSeconds: Math.round((Date.now() - started) / 1000), passed: code === 0, ...events[0] });
process.exit(code);
