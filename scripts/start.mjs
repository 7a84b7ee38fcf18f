// `npm start`: the whole platform locally against the sandbox, with the demo tenant and
// the 5-minute schedule really ticking (wrangler dev never fires Cron Triggers itself).
import { applyLocalMigrations, ensureDevVars, seedDemo, startWorker, waitForHttp } from "./local-stack.mjs";

const ADMIN_PORT = 8787;
const SANDBOX_PORT = 8788;
const TICK_SECONDS = Number(process.env.SYNC_TICK_SECONDS ?? 300);
const CRON = "*/5 * * * *";
if (!Number.isFinite(TICK_SECONDS) || TICK_SECONDS < 5) {
  console.error("SYNC_TICK_SECONDS must be a number of seconds, at least 5.");
  process.exit(2);
}

/** @param {string} tag @param {string} line */
const say = (tag, line) => console.log(`[${tag}] ${line}`);

/** The real systems' budgets (Zendesk Enterprise account; ConnectWise's published throttling point per API member). */
const REALISTIC_LIMITS = [
  { api: "zendesk", perMinute: 700 },
  { api: "connectwise", perMinute: 1000 },
];

/**
 * Turns the sandbox's rate limits on (or, with SANDBOX_LIMITS=off, clears any a previous run
 * left in the sandbox's persisted storage) and says what is in force.
 * @param {string} sandboxUrl
 */
async function applyLimits(sandboxUrl) {
  const url = `${sandboxUrl}/_sandbox/limits`;
  if (process.env.SANDBOX_LIMITS === "off") {
    const res = await fetch(url, { method: "DELETE" });
    if (!res.ok) throw new Error(`Clearing sandbox rate limits failed: HTTP ${res.status}`);
    say("start", "sandbox rate limits off (SANDBOX_LIMITS=off)");
    return;
  }
  /** @type {{ api: string, perMinute: number, updateTicketPerMinute?: number }[]} */
  let limits = [];
  for (const limit of REALISTIC_LIMITS) {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(limit) });
    if (!res.ok) throw new Error(`Setting sandbox rate limits failed: HTTP ${res.status} ${await res.text()}`);
    limits = /** @type {{ limits: typeof limits }} */ (await res.json()).limits;
  }
  const shown = limits.map((l) =>
    l.api === "zendesk"
      ? `Zendesk ${l.perMinute}/min per account (Update Ticket ${l.updateTicketPerMinute}/min)`
      : `ConnectWise ${l.perMinute}/min per API member`,
  );
  say("start", `sandbox rate limits: ${shown.join("; ")} (SANDBOX_LIMITS=off to disable)`);
}

ensureDevVars();
say("start", "applying local D1 migrations…");
applyLocalMigrations();

const sandbox = startWorker({
  name: "sandbox",
  config: "sandbox/wrangler.jsonc",
  port: SANDBOX_PORT,
  inspectorPort: 9230,
  vars: { SANDBOX_ACTIVITY: process.env.SANDBOX_ACTIVITY ?? "on" },
  onLine: (l) => say("sandbox", l),
});
const admin = startWorker({
  name: "admin",
  port: ADMIN_PORT,
  inspectorPort: 9229,
  vars: {
    DEMO_MODE: "on",
    PUBLIC_URL: `http://localhost:${ADMIN_PORT}`,
    PORTAL_BASE_URL: `http://localhost:${SANDBOX_PORT}/zendesk`,
    EGRESS_LOCAL_ORIGINS: `http://localhost:${SANDBOX_PORT}`,
  },
  onLine: (l) => say("admin", l),
});

/** @type {NodeJS.Timeout | undefined} */
let ticker;
let stopping = false;
function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  say("start", "stopping…");
  admin.stop();
  sandbox.stop();
  setTimeout(() => process.exit(code), 500);
}
process.on("SIGINT", () => stopAll(0));
// A parent that dies without passing on the signal (e.g. `timeout npm start`) leaves us orphaned.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stopAll(0), 2_000).unref();
process.on("SIGTERM", () => stopAll(0));
for (const [name, w] of /** @type {const} */ ([
  ["admin", admin],
  ["sandbox", sandbox],
])) {
  w.child.on("exit", (/** @type {number | null} */ code) => {
    if (!stopping) {
      say("start", `${name} exited (code ${code}); stopping everything.`);
      stopAll(1);
    }
  });
}

async function tick() {
  const url = `${admin.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(CRON).replace(/%20/g, "+")}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    say("ticker", `scheduled run (${CRON}) → HTTP ${res.status}; next in ${TICK_SECONDS} s`);
  } catch (err) {
    say("ticker", `scheduled run failed: ${err}`);
  }
}

try {
  await Promise.all([waitForHttp(`${sandbox.url}/_sandbox/health`), waitForHttp(`${admin.url}/healthz`)]);
  await applyLimits(sandbox.url);
  const seeded = await seedDemo(admin.url);
  say("start", seeded.created.length ? `demo data created: ${seeded.created.join(", ")}` : "demo data already present");
  say("start", `demo settings: ${seeded.settings}; push: ${seeded.push}; vendor feed: ${seeded.feed}`);
  console.log(`
  psa-sync is running locally.

    Admin utility   ${admin.url}          (API at ${admin.url}/api/v1)
    Sandbox         ${sandbox.url}          (ConnectWise at /cw, Support Portal at /zendesk, control at /_sandbox)

    Operator        operator@demo.test   / operator-demo-pass
    Tenant admin    admin@acme-msp.test  / acme-demo-pass   (Acme MSP)

    Scheduled sync every ${TICK_SECONDS} s (SYNC_TICK_SECONDS). Ctrl-C stops everything.
`);
  await tick();
  ticker = setInterval(tick, TICK_SECONDS * 1000);
} catch (err) {
  say("start", String(err));
  stopAll(1);
}
