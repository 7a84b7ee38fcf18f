/**
 * Stubs of the four Durable Objects, one per key. Callers below durable-objects/ (the connectors' budgets,
 * queue consumers, webhooks, services) reach the objects through these; the RPC types come from `Env`.
 */
/** One object per tenant: its ConnectWise call budget (limits/call-budget.ts). */
export function callBudgetStub(env: Env, tenantId: string) {
  return env.CALL_BUDGET.get(env.CALL_BUDGET.idFromName(`connectwise:${tenantId}`));
}

/** The one object of the deployment's portal account (limits/portal-budget.ts; one account per PORTAL_BASE_URL). */
export function portalBudgetStub(env: Env, account: string) {
  return env.PORTAL_BUDGET.get(env.PORTAL_BUDGET.idFromName(`portal:${account}`));
}

/**
 * The limiter for one key (e.g. `sign-in:ip:<ip>`, `hook:<hookId>`, `task:<tenant>`).
 * Keys name what they limit; the object is created on first use.
 */
export function rateLimiterStub(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}

/** One object per tenant + portal ticket (docs/design.md, Shape), so all work on a ticket happens in one place. */
export function ticketSyncStub(env: Env, tenantId: string, portalTicketId: number) {
  return env.TICKET_SYNC.get(env.TICKET_SYNC.idFromName(`${tenantId}:${portalTicketId}`));
}
