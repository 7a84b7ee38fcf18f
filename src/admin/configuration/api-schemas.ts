import { z } from "@hono/zod-openapi";
import { createSelectSchema } from "drizzle-zod";
import { connectwiseConnections, portalConnections, tenantSettings } from "../../db/schema";

/**
 * What the configuration API answers. Connections are picked column by column from their
 * rows (the ciphertexts never appear); settings are the row's settable part.
 */
const notConfigured = z.object({ configured: z.literal(false) });

export const portalConnectionResponse = z
  .union([
    notConfigured,
    createSelectSchema(portalConnections)
      .pick({
        authMode: true,
        email: true,
        portalUserId: true,
        clusterFieldId: true,
        accessTokenExpiresAt: true,
        status: true,
        statusReason: true,
        updatedAt: true,
      })
      .extend({ configured: z.literal(true) }),
  ])
  .openapi("PortalConnection");

export const connectwiseConnectionResponse = z
  .union([
    notConfigured,
    createSelectSchema(connectwiseConnections)
      .pick({ site: true, companyId: true, publicKey: true, clientId: true, codebase: true, status: true, statusReason: true, updatedAt: true })
      .extend({ configured: z.literal(true), privateKeySaved: z.literal(true).openapi({ description: "The private key is write-only" }) }),
  ])
  .openapi("ConnectWiseConnection");

export const settingsResponse = createSelectSchema(tenantSettings)
  .pick({
    boardId: true,
    boardName: true,
    defaultCompanyId: true,
    defaultCompanyName: true,
    matchField: true,
    syncFrom: true,
    closedTicketActivity: true,
    syncOrganisation: true,
  })
  .extend({ commentsPublic: z.literal(true).openapi({ description: "The Requests API makes every comment public: informational, not settable" }) })
  .openapi("Settings");

export const savedResponse = z.object({ saved: z.literal(true), changes: z.array(z.string()) }).openapi("Saved");

const mapped = z.object({ id: z.number().int(), name: z.string() });
export const mappingsResponse = z
  .object({ priorities: z.record(z.string(), mapped), statuses: z.record(z.string(), mapped.extend({ closed: z.boolean() })) })
  .openapi("Mappings");
