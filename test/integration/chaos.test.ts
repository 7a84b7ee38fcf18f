import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { failures } from "../../src/db/schema";
import { sendTicketSync } from "../../src/jobs/send";
import { replayAll } from "../../src/admin/monitoring/replay";
import { log } from "../../src/lib/log";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { checkConvergence, converged, type ConvergenceReport } from "../setup/checker";
import { sandboxControl, useSandboxForFile } from "../setup/sandbox";
import { portalUser, technician } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";

/**
 * Convergence under faults (issue 7). A seeded scenario: several tenants (one MSP portal user each),
 * requests, comments and technician notes created while syncs run, every fault kind on both
 * APIs, duplicated deliveries. After the faults stop, failures are replayed and runs repeat
 * until quiet; an independent checker then reads both systems. `npm test` runs a small case;
 * `npm run chaos` a large one (CHAOS_* variables, see README).
 */
const cfg = inject("chaos");
const FAULT_KINDS = ["429", "500", "502", "503", "slow", "hang", "drop", "truncate"];
/** The two seeded MSP portal users, then more added through the sandbox's control API. */
const MSPS = [
  { email: "it@acme-msp.test", apiToken: "acme-portal-token" },
  { email: "it@globex-msp.test", apiToken: "globex-portal-token" },
  ...Array.from({ length: Math.max(0, cfg.tenants - 2) }, (_, i) => ({ email: `it@chaos-${i + 3}.test`, apiToken: `chaos-${i + 3}-portal-token` })),
].slice(0, cfg.tenants);
const CLUSTERS = ["CZJ1234ABC", "CZJ5678DEF", "CZJ9012GHI", "CZJ0000ZZZ"];

/** The test's own people retry through the faults (they are not what is under test). */
async function persist<T>(act: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await act();
    } catch (err) {
      if (i >= 30) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

useSandboxForFile();

describe(`chaos: ${cfg.requests} requests × ${MSPS.length} tenants, faults at ${cfg.rate * 100}%`, () => {
  it("converges with no duplicate, loss, echo or divergence after the faults stop", async () => {
    for (const u of MSPS.slice(2))
      await sandboxControl("/zendesk/end-users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(u) });
    const tenants = await Promise.all(MSPS.map((u) => createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString(), portalUser: u })));
    const people = MSPS.map((u) => portalUser(u.email, u.apiToken));
    const requests: { id: number; subject: string }[][] = MSPS.map(() => []);
    for (let i = 0; i < cfg.requests; i++) {
      for (const [t, person] of people.entries()) {
        const subject = `chaos ${t}-${i} ${i % 5 === 0 ? "ünïcödé <b>html</b> " : ""}alert`;
        const id = await person.createRequest({
          subject,
          body: `Request ${t}-${i}.`,
          priority: ["low", "normal", "high", "urgent"][i % 4],
          clusterId: CLUSTERS[i % CLUSTERS.length],
        });
        for (let c = 0; c < cfg.comments; c++) await person.comment(id, `comment ${c} on ${t}-${i}`);
        requests[t]!.push({ id, subject });
      }
    }

    for (const api of ["connectwise", "zendesk"]) {
      await sandboxControl("/faults", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ api, rate: cfg.rate, kinds: FAULT_KINDS, retryAfterSeconds: 1, slowMs: 300, hangMs: 1500, seed: cfg.seed }),
      });
    }
    // Runs under faults, with activity on both sides meanwhile and every ticket delivered twice more.
    const runs = tenants.map((t) => syncTenantNow(t.id, { timeoutMs: 600_000 }).catch(() => undefined));
    for (const [t, tenant] of tenants.entries()) {
      for (const r of requests[t]!) {
        await persist(() => people[t]!.comment(r.id, `during the run on ${r.id}`));
        const job = { kind: "ticket-sync" as const, v: 1 as const, tenantId: tenant.id, runId: null, portalTicketId: r.id, reason: "webhook" as const };
        await sendTicketSync(env, [job, job]);
      }
    }
    await Promise.all(runs);
    for (const [t, tenant] of tenants.entries()) {
      const linked = await persist(() => technician.ticketsLinkedTo(tenant.id));
      for (const ticket of linked.slice(0, Math.ceil(requests[t]!.length / 2))) await technician.addNoteInUi(ticket.id, `technician on ${ticket.id}`);
    }
    await Promise.all(tenants.map((t) => syncTenantNow(t.id, { timeoutMs: 600_000 }).catch(() => undefined)));

    // Faults stop; dead letters are replayed; runs repeat until quiet.
    await sandboxControl("/faults", { method: "DELETE" });
    const dead = await db().select().from(failures);
    let replayed = 0;
    for (const tenant of tenants) replayed += (await replayAll(env, db(), tenant.id, { userId: null, via: "chaos test" }, log)).replayed.length;
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 1100));
      // The tenants' runs side by side, as the cron dispatches them.
      await Promise.all(tenants.map((t) => syncTenantNow(t.id, { timeoutMs: 300_000 })));
    }

    const reports: ConvergenceReport[] = [];
    for (const [t, tenant] of tenants.entries()) reports.push(await checkConvergence(tenant.id, requests[t]!, (id) => people[t]!.comments(id)));
    const faulted = ((await (await sandboxControl("/requests?limit=50000")).json()) as { requests: { fault: string | null }[] }).requests.filter(
      (r) => r.fault,
    ).length;
    const summary = {
      event: "chaos.report",
      config: cfg,
      faultedCalls: faulted,
      deadLettered: dead.filter((f) => tenants.some((t) => t.id === f.tenantId)).length,
      replayed,
      reports,
    };
    console.info(JSON.stringify(summary));
    for (const r of reports) expect(converged(r), JSON.stringify(r)).toBe(true);
    expect(faulted).toBeGreaterThan(0);
  }, 3_600_000);
});
