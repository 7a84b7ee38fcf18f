// Change-to-mirror latency against the sandbox, with push on (ConnectWise callbacks) and
// off (the scheduled run only). Starts its own admin + sandbox `wrangler dev` on free ports
// with throwaway state; prints p50/p95 and writes bench/latency.json.
//   node scripts/bench-latency.mjs [--samples 20] [--tick 20]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLocalMigrations, freePort, ROOT, seedDemo, startWorker, waitForHttp } from "./local-stack.mjs";

/** @param {string} name @param {number} fallback */
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SAMPLES = arg("samples", 20);
const TICK_SECONDS = arg("tick", 20);
const CW = { authorization: `Basic ${Buffer.from("acme+acme-public-key:acme-private-key").toString("base64")}`, clientId: "psa-sync-demo-client" };
const PORTAL = { authorization: `Basic ${Buffer.from("it@acme-msp.test/token:acme-portal-token").toString("base64")}` };

/** @param {number[]} xs @param {number} p */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** @param {boolean} push */
async function measure(push) {
  const state = mkdtempSync(join(tmpdir(), "psa-sync-bench-"));
  const envFile = join(state, "bench.vars");
  writeFileSync(
    envFile,
    `ENCRYPTION_KEY=${Buffer.from("bench-only-key-never-use-anywher").toString("base64")}\nPORTAL_OAUTH_CLIENT_SECRET=psa-sync-demo-secret\n`,
  );
  // Each Worker keeps its own local storage: two workerd processes on one directory collide.
  const [adminState, sandboxState] = [join(state, "admin"), join(state, "sandbox")];
  applyLocalMigrations({ persistTo: adminState });
  const [adminPort, adminInspector, sandboxPort, sandboxInspector] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const sandbox = startWorker({
    name: "sandbox",
    config: "sandbox/wrangler.jsonc",
    port: sandboxPort,
    inspectorPort: sandboxInspector,
    persistTo: sandboxState,
    vars: { SANDBOX_ACTIVITY: "off" },
  });
  const admin = startWorker({
    name: "admin",
    port: adminPort,
    inspectorPort: adminInspector,
    persistTo: adminState,
    envFile,
    vars: {
      DEMO_MODE: "on",
      RETRY_BASE_SECONDS: "1",
      PORTAL_BASE_URL: `${sandbox.url}/zendesk`,
      EGRESS_LOCAL_ORIGINS: sandbox.url,
      ...(push ? { PUBLIC_URL: `http://localhost:${adminPort}` } : {}),
    },
  });
  const tick = () => fetch(`${admin.url}/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*`);
  /** @type {NodeJS.Timeout | undefined} */
  let ticker;
  try {
    await Promise.all([waitForHttp(`${sandbox.url}/_sandbox/health`), waitForHttp(`${admin.url}/healthz`)]);
    const seeded = await seedDemo(admin.url, sandbox.url);
    if (seeded.settings !== "applied") throw new Error(`demo settings: ${seeded.settings}`);
    await tick();
    const conditions = encodeURIComponent('externalXRef like "psa-sync:tnt_acme_demo:*"');
    /** @type {{ id: number, externalXRef: string }[]} */
    let tickets = [];
    for (let i = 0; i < 240 && tickets.length < 12; i++) {
      await new Promise((r) => setTimeout(r, 500));
      tickets = await (await fetch(`${sandbox.url}/cw/v4_6_release/apis/3.0/service/tickets?conditions=${conditions}&pageSize=100`, { headers: CW })).json();
    }
    if (!push) ticker = setInterval(tick, TICK_SECONDS * 1000);
    /** @type {number[]} */
    const latencies = [];
    for (let n = 0; n < SAMPLES; n++) {
      const ticket = tickets[n % tickets.length];
      if (!ticket) throw new Error(`the demo tickets were not mirrored (${tickets.length} found)`);
      const portalId = Number(ticket.externalXRef.split(":").pop());
      const text = `bench note ${push ? "push" : "poll"} ${n} ${Date.now()}`;
      const started = Date.now();
      await fetch(`${sandbox.url}/_sandbox/connectwise/tickets/${ticket.id}/technician-notes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      });
      for (;;) {
        const { comments } = await (await fetch(`${sandbox.url}/zendesk/api/v2/requests/${portalId}/comments`, { headers: PORTAL })).json();
        if (comments.some((/** @type {{ body: string }} */ c) => c.body.endsWith(text))) break;
        if (Date.now() - started > (TICK_SECONDS + 60) * 1000) throw new Error(`sample ${n} never mirrored`);
        await new Promise((r) => setTimeout(r, 100));
      }
      latencies.push(Date.now() - started);
      process.stdout.write(".");
    }
    process.stdout.write("\n");
    return {
      push,
      samples: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      maxMs: Math.max(...latencies),
      tickSeconds: push ? null : TICK_SECONDS,
    };
  } finally {
    clearInterval(ticker);
    admin.stop();
    sandbox.stop();
    await new Promise((r) => setTimeout(r, 500));
    rmSync(state, { recursive: true, force: true });
  }
}

const pushOn = await measure(true);
const pushOff = await measure(false);
const results = { at: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, pushOn, pushOff };
mkdirSync(join(ROOT, "bench"), { recursive: true });
writeFileSync(join(ROOT, "bench", "latency.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`
| change-to-mirror (technician note → portal) | samples | p50 | p95 | max |
|---|---|---|---|---|
| push on (ConnectWise callback)               | ${pushOn.samples} | ${(pushOn.p50Ms / 1000).toFixed(2)} s | ${(pushOn.p95Ms / 1000).toFixed(2)} s | ${(pushOn.maxMs / 1000).toFixed(2)} s |
| push off (scheduled run every ${TICK_SECONDS} s)     | ${pushOff.samples} | ${(pushOff.p50Ms / 1000).toFixed(2)} s | ${(pushOff.p95Ms / 1000).toFixed(2)} s | ${(pushOff.maxMs / 1000).toFixed(2)} s |
`);
