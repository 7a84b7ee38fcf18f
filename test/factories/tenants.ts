import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { createDb } from "../../src/db/client";
import { ticketLinks, tenants } from "../../src/db/schema";

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
  (await db().select().from(ticketLinks).where(and(eq(ticketLinks.tenantId, tenantId), eq(ticketLinks.portalTicketId, portalTicketId))))[0]!;
