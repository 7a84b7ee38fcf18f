import { env } from "cloudflare:test";
import { and, eq, isNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ticketSyncStub } from "../../src/jobs/stubs";
import { ticketLinks } from "../../src/db/schema";
import { sendTicketSync } from "../../src/jobs/send";
import { commentTextForNote, noteTextForComment } from "../../src/sync/text";
import { createConnectedTenant } from "../factories/connections";
import { db } from "../factories/tenants";
import { routeFetchToSandbox, sandboxControl } from "../setup/sandbox";
import { customer, technician } from "../setup/sandbox-actors";
import { lastLoggedId, PRIORITY_NAMES, readBothSystems, seedRequests, writeCallsSince, type SeededRequest } from "../setup/scenario";
import { syncTenantNow } from "../setup/sync";
import { waitFor } from "../setup/wait-for";

let spy: ReturnType<typeof routeFetchToSandbox>;
beforeEach(() => {
  spy = routeFetchToSandbox();
});
afterEach(async () => {
  await sandboxControl("/faults", { method: "DELETE" });
  spy.mockRestore();
});

/** Both systems hold exactly what the mapping promises: one ticket per request, one item per comment/note, no echo. */
async function expectConverged(
  tenantId: string,
  requests: SeededRequest[],
  extra: { techNotes?: Map<number, string>; lateComments?: Map<number, string> } = {},
) {
  const view = await readBothSystems(tenantId, requests);
  // The portal user is shared by every test tenant, so a tenant may also import other
  // tests' requests: count ours exactly, and duplicates across all of them.
  const byXRef = new Map(view.tickets.map((t) => [t.externalXRef, t]));
  expect(byXRef.size, "no two CW tickets for one portal request").toBe(view.tickets.length);
  const ours = new Set(requests.map((r) => `psa-sync:${tenantId}:${r.id}`));
  expect(view.tickets.filter((t) => ours.has(t.externalXRef ?? ""))).toHaveLength(requests.length);
  const portalIds = new Map<number, number>(); // portal comment id by text, for expected note texts
  for (const r of requests) {
    const ticket = byXRef.get(`psa-sync:${tenantId}:${r.id}`);
    expect(ticket, `CW ticket for request ${r.id}`).toBeDefined();
    expect(ticket!.summary).toBe(r.subject.replace(/\s+/g, " ").trim());
    expect(ticket!.company?.name).toBe(r.cluster.company);
    expect(ticket!.priority?.name).toBe(PRIORITY_NAMES[r.priority]);
    const notes = view.notes.get(ticket!.id)!;
    expect(notes.filter((n) => n.detailDescriptionFlag && n.text.startsWith(r.description.split("\n")[0]!))).toHaveLength(1);

    const portalComments = view.comments.get(r.id)!;
    for (const c of portalComments) portalIds.set(c.id, c.id);
    const customerComments = portalComments.slice(1).filter((c) => !c.body.startsWith("[ConnectWise ticket #"));
    const expectedInternal = customerComments.map((c) => noteTextForComment(c.body, 0, c.id));
    const techNote = extra.techNotes?.get(ticket!.id);
    if (techNote) expectedInternal.push(techNote);
    expect(
      notes
        .filter((n) => n.internalAnalysisFlag)
        .map((n) => n.text)
        .sort(),
    ).toEqual(expectedInternal.sort());

    const expectedPortal = [r.description, ...r.comments];
    const late = extra.lateComments?.get(r.id);
    if (late) expectedPortal.push(late);
    if (techNote) expectedPortal.push(commentTextForNote(techNote, "psa-sync-api", ticket!.id));
    expect(portalComments.map((c) => c.body).sort()).toEqual(expectedPortal.sort());
  }
}

describe("convergence: 50 requests, 200 comments, both ways, exactly once", () => {
  it("mirrors everything once, then mirrors later changes once each, then writes nothing", async () => {
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString() });
    const requests = await seedRequests(50, 4, "conv");
    const first = await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    expect(first).toMatchObject({ status: "completed", failures: 0 });
    expect(first.ticketsCreated).toBeGreaterThanOrEqual(50);
    expect(first.commentsMirrored).toBeGreaterThanOrEqual(200);
    await expectConverged(tenant.id, requests);

    const ourXRefs = new Set(requests.map((r) => `psa-sync:${tenant.id}:${r.id}`));
    const tickets = (await technician.ticketsLinkedTo(tenant.id)).filter((t) => ourXRefs.has(t.externalXRef ?? ""));
    const techNotes = new Map<number, string>();
    const lateComments = new Map<number, string>();
    for (const [i, t] of tickets.entries()) {
      const text = `Technician note ${i}`;
      await technician.addNote(t.id, text);
      techNotes.set(t.id, text);
    }
    for (const r of requests) {
      const text = `Late customer comment on ${r.id}`;
      await customer.comment(r.id, text);
      lateComments.set(r.id, text);
    }
    await new Promise((r) => setTimeout(r, 1100)); // portal timestamps have whole seconds
    const second = await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    expect(second).toMatchObject({ status: "completed", failures: 0 });
    expect(second.notesMirrored).toBeGreaterThanOrEqual(50);
    expect(second.commentsMirrored).toBeGreaterThanOrEqual(50);
    await expectConverged(tenant.id, requests, { techNotes, lateComments });

    // Runs until quiet: our own writes bump both sides once; after that, no run writes anything.
    await new Promise((r) => setTimeout(r, 1100));
    await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    const before = await lastLoggedId();
    const quiet = await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    expect(quiet).toMatchObject({ status: "completed", notesMirrored: 0, commentsMirrored: 0, ticketsCreated: 0, ticketsUpdated: 0 });
    expect(await writeCallsSince(before)).toEqual([]);
    await expectConverged(tenant.id, requests, { techNotes, lateComments });
  }, 240_000);
});

describe("convergence under duplicate, concurrent and interrupted deliveries", () => {
  it("converges to the same exact counts when every ticket is delivered twice and concurrently", async () => {
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString() });
    const requests = await seedRequests(10, 3, "dup");
    // Two concurrent deliveries per ticket straight to the Durable Objects, plus two more through the queue.
    await Promise.all(
      requests.flatMap((r) => {
        const job = { kind: "ticket-sync" as const, v: 1 as const, tenantId: tenant.id, runId: null, portalTicketId: r.id, reason: "webhook" as const };
        const stub = ticketSyncStub(env, tenant.id, r.id);
        return [stub.sync(job), stub.sync(job), sendTicketSync(env, [job, job])];
      }),
    );
    await waitFor(
      async () => {
        const pending = await db()
          .select()
          .from(ticketLinks)
          .where(and(eq(ticketLinks.tenantId, tenant.id), isNull(ticketLinks.lastSyncedAt)));
        return pending.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, what: "every ticket to sync" },
    );
    await syncTenantNow(tenant.id, { timeoutMs: 60_000 });
    await expectConverged(tenant.id, requests);
  });

  it("converges when writes succeed but their responses are lost (a crash between write and record)", async () => {
    const tenant = await createConnectedTenant({ syncFrom: new Date(Date.now() - 1500).toISOString() });
    const requests = await seedRequests(8, 3, "crash");
    // Every third write on either side happens, then the connection drops before psa-sync hears back.
    for (const api of ["connectwise", "zendesk"]) {
      for (const method of ["POST", "PUT", "PATCH"]) {
        await sandboxControl("/faults", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ api, method, rate: 0.34, kinds: ["drop"], seed: 7 }),
        });
      }
    }
    const run = await syncTenantNow(tenant.id, { timeoutMs: 120_000 });
    expect(run.status).toBe("completed");
    await sandboxControl("/faults", { method: "DELETE" });
    // Anything the retries had not finished is finished by the next runs; nothing is doubled.
    await syncTenantNow(tenant.id, { timeoutMs: 60_000 });
    await expectConverged(tenant.id, requests);
    const faults = (await (await sandboxControl("/requests?limit=50000")).json()) as { requests: { fault: string | null }[] };
    expect(faults.requests.filter((r) => r.fault === "drop").length).toBeGreaterThan(5);
  }, 240_000);
});
