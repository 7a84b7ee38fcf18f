import { it } from "vitest";
import { requestResyncStatement } from "../../src/db/queries/tenants-admin";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { sandboxControl, useSandbox } from "../setup/sandbox";
import { agent } from "../setup/sandbox-actors";
import { syncTenantNow } from "../setup/sync";
import { benchSize } from "./bench-helpers";

useSandbox();

const pause = (ms = 1100) => new Promise((r) => setTimeout(r, ms));

/**
 * Marks where a measured phase starts and ends. The runtime cannot read its own CPU time,
 * so scripts/bench.mjs reads the workerd process's CPU (from /proc) and starts or stops a
 * CPU profile of its isolates when each mark arrives, and divides by the tickets in the
 * batch. The mark reaches it through vitest's output: the pause lets it act before the
 * next work starts.
 */
async function mark(kind: "create" | "update" | "no-op", batch: number, tickets: number, edge: "start" | "end") {
  console.info(JSON.stringify({ event: "bench.phase", kind, batch, tickets, edge }));
  await pause(300);
}

it("CPU per synced ticket: create, update and no-op, in batches", async () => {
  const { batches, ticketsPerBatch } = benchSize().cpu;
  // scripts/bench.mjs attaches its profiler to the runtime's isolates meanwhile.
  console.info(JSON.stringify({ event: "bench.cpu.begin" }));
  const user = { email: `it@cpu-${Date.now()}.test`, apiToken: `cpu-${Date.now()}` };
  await sandboxControl("/zendesk/end-users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
  const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString(), portalUser: user });
  const ids: number[][] = [];

  for (let b = 0; b < batches; b++) {
    const bulk = { email: user.email, count: ticketsPerBatch, comments: 1, subjectPrefix: `cpu ${b}`, clusterIds: ["CZJ1234ABC"] };
    ids.push(
      (
        (await (
          await sandboxControl("/zendesk/requests/bulk", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bulk) })
        ).json()) as { ids: number[] }
      ).ids,
    );
    await pause();
    await mark("create", b, ticketsPerBatch, "start");
    await syncTenantNow(tenant.id, { timeoutMs: 300_000 });
    await mark("create", b, ticketsPerBatch, "end");
  }
  for (let b = 0; b < batches; b++) {
    for (const id of ids[b]!) await agent.update(id, { status: "pending" });
    await pause();
    await mark("update", b, ticketsPerBatch, "start");
    await syncTenantNow(tenant.id, { timeoutMs: 300_000 });
    await mark("update", b, ticketsPerBatch, "end");
  }
  for (let b = 0; b < batches; b++) {
    // A resync request makes the run sync each ticket although nothing changed: the no-op path.
    const at = new Date().toISOString();
    const statements = ids[b]!.map((id) => requestResyncStatement(db(), tenant.id, id, at));
    await db().batch([statements[0]!, ...statements.slice(1)]);
    await mark("no-op", b, ticketsPerBatch, "start");
    await syncTenantNow(tenant.id, { timeoutMs: 300_000 });
    await mark("no-op", b, ticketsPerBatch, "end");
  }
}, 3_600_000);
