import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { createDb } from "../../src/db/client";
import { connectwiseConnections, portalConnections, priorityMappings, statusMappings, ticketLinks, tenants, tenantSettings } from "../../src/db/schema";
import { MAPPED_PRIORITIES, MAPPED_STATUSES } from "../../src/domain/setup";

export const db = () => createDb(env.DB);

let seq = 0;
/** A unique id per call: storage is shared by all tests of a file. */
export const uniqueId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(seq++).toString(36)}`;

export async function createTenant(overrides: Partial<typeof tenants.$inferInsert> = {}) {
  const id = overrides.id ?? uniqueId("tnt");
  const row = { id, name: `Tenant ${id}`, slug: id, hookId: uniqueId("hook"), ...overrides };
  await db().insert(tenants).values(row);
  return row;
}

export async function createTicketLink(tenantId: string, portalTicketId: number, overrides: Partial<typeof ticketLinks.$inferInsert> = {}) {
  const [row] = await db()
    .insert(ticketLinks)
    .values({ tenantId, portalTicketId, summary: `Ticket ${portalTicketId}`, ...overrides })
    .returning();
  return row!;
}

/** The link row of one portal ticket (throws in a test if there is none). */
export const linkOf = async (tenantId: string, portalTicketId: number) =>
  (
    await db()
      .select()
      .from(ticketLinks)
      .where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId)))
  )[0]!;

/**
 * Tenants the cron dispatches (both connections, board, catch-all company, every mapping:
 * dispatch skips an incomplete setup), with placeholder secrets: for dispatch at scale,
 * where no run reaches an API. 50 tenants per D1 batch, each statement within 100 bound values.
 */
export async function insertDispatchableTenants(ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 50) {
    const [first, ...rest] = ids.slice(i, i + 50).flatMap((id) => [
      db()
        .insert(tenants)
        .values({ id, name: id, slug: id, hookId: `h_${id}` }),
      db().insert(portalConnections).values({ tenantId: id, authMode: "api_token", secretsCiphertext: "x" }),
      db()
        .insert(connectwiseConnections)
        .values({ tenantId: id, site: "http://localhost:1", companyId: "c", publicKey: "p", clientId: "k", secretsCiphertext: "x" }),
      db().insert(tenantSettings).values({ tenantId: id, boardId: 1, defaultCompanyId: 1 }),
      db()
        .insert(priorityMappings)
        .values(MAPPED_PRIORITIES.map((portalValue) => ({ tenantId: id, portalValue, cwPriorityId: 1, cwPriorityName: "P" }))),
      db()
        .insert(statusMappings)
        .values(MAPPED_STATUSES.map((portalValue) => ({ tenantId: id, portalValue, cwStatusId: 1, cwStatusName: "S" }))),
    ]);
    await db().batch([first!, ...rest]);
  }
}
