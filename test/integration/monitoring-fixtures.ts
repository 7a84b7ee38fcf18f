import { getTableColumns } from "drizzle-orm";
import { expect } from "vitest";
import { apiTokens, failures, runTickets, syncRuns, ticketEvents, ticketLinks } from "../../src/db/schema";
import { randomToken, sha256Hex } from "../../src/lib/crypto";
import { db, uniqueId } from "../factories/tenants";

/** Monitoring test data written straight to D1 (storage is per file: every id is unique). */

export async function insertRun(tenantId: string, over: Partial<typeof syncRuns.$inferInsert> = {}) {
  const [row] = await db()
    .insert(syncRuns)
    .values({ id: uniqueId("run"), tenantId, trigger: "cron", status: "completed", finishedAt: new Date().toISOString(), ...over })
    .returning();
  return row!;
}

export async function insertRunTickets(runId: string, tenantId: string, tickets: { portalTicketId: number; state: "queued" | "done" | "failed" }[]) {
  for (const t of tickets)
    await db()
      .insert(runTickets)
      .values({ runId, tenantId, ...t });
}

/** Rows per multi-row insert: at most one bound parameter per column, within D1's 100 per statement. */
const LINKS_PER_INSERT = Math.floor(100 / Object.keys(getTableColumns(ticketLinks)).length);

/** Many links fast: multi-row inserts within D1's 100 bound parameters per statement. */
export async function insertLinks(tenantId: string, count: number, make: (i: number) => Partial<typeof ticketLinks.$inferInsert>) {
  const rows = Array.from({ length: count }, (_, i) => ({ tenantId, portalTicketId: i + 1, summary: `Ticket ${i + 1}`, ...make(i) }));
  const chunks = [];
  for (let i = 0; i < rows.length; i += LINKS_PER_INSERT)
    chunks.push(
      db()
        .insert(ticketLinks)
        .values(rows.slice(i, i + LINKS_PER_INSERT)),
    );
  for (let i = 0; i < chunks.length; i += 50) {
    const part = chunks.slice(i, i + 50);
    await db().batch([part[0]!, ...part.slice(1)]);
  }
}

export async function insertEvent(tenantId: string, portalTicketId: number, over: Partial<typeof ticketEvents.$inferInsert> = {}) {
  await db()
    .insert(ticketEvents)
    .values({ tenantId, portalTicketId, action: "create_cw_ticket", detail: "ConnectWise ticket #5001 created", ...over });
}

let messageSeq = 0;
export async function insertFailure(tenantId: string, body: unknown, over: Partial<typeof failures.$inferInsert> = {}) {
  const [row] = await db()
    .insert(failures)
    .values({
      tenantId,
      queue: "ticket-sync",
      messageId: `msg-${Date.now()}-${messageSeq++}`,
      body: typeof body === "string" ? body : JSON.stringify(body),
      reason: "retries exhausted",
      attempts: 9,
      ...over,
    })
    .returning();
  return row!;
}

export const ticketSyncBody = (tenantId: string, portalTicketId: number) => ({
  kind: "ticket-sync",
  v: 1,
  tenantId,
  runId: "run-long-gone",
  portalTicketId,
  reason: "portal_changed",
});

/** An API token row of a tenant; returns the bearer header. */
export async function apiToken(tenantId: string, scope: "read" | "admin") {
  const token = randomToken(24);
  await db()
    .insert(apiTokens)
    .values({ id: uniqueId("tok"), tenantId, name: "test", tokenHash: await sha256Hex(token), scope });
  return { authorization: `Bearer ${token}` };
}

/** A CSV download's text (its byte order mark checked and dropped) and headers. */
export async function csvOf(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return { text: new TextDecoder().decode(bytes), disposition: res.headers.get("content-disposition") };
}
