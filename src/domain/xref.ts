/**
 * A CW ticket's externalXRef names its portal ticket: `psa-sync:{tenantId}:{portalTicketId}`.
 * It is how a run lists the tenant's linked tickets and how a callback finds its portal ticket.
 */
export const xrefPrefix = (tenantId: string) => `psa-sync:${tenantId}:`;

export const externalXRefFor = (tenantId: string, portalTicketId: number) => `${xrefPrefix(tenantId)}${portalTicketId}`;

/** The portal ticket a CW ticket's externalXRef names, or null when it names none of this tenant's. */
export function portalTicketIdFromXRef(xref: string | null, tenantId: string): number | null {
  const prefix = xrefPrefix(tenantId);
  if (!xref?.startsWith(prefix)) return null;
  const id = Number(xref.slice(prefix.length));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
