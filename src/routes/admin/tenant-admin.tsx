import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { createDb } from "../../db/client";
import { listTokens } from "../../db/queries/tokens";
import { listTenantUsers } from "../../db/queries/users";
import { AppError } from "../../lib/errors";
import { log } from "../../lib/log";
import { formErrors, formValues } from "../../lib/validation";
import { addUserForm, bulkResyncForm, pauseForm, resyncForm, roleForm, tokenForm } from "../../schemas/accounts";
import { addTenantUser, changeRole, resetUserPassword, setUserDisabled } from "../../services/accounts-users";
import { resyncTicket, resyncTickets, setPaused, syncNow, TASK_MESSAGES, describeTenantStatus, type TaskCode } from "../../services/tasks";
import { signInLinkUrl } from "../../services/sign-in-links";
import { createApiToken, revokeApiToken } from "../../services/tokens";
import { TasksPage } from "../../views/tenant-admin/tasks-page";
import { TokensPage, type TokensPageProps } from "../../views/tenant-admin/tokens-page";
import { UsersPage, type UsersPageProps } from "../../views/tenant-admin/users-page";
import { eq } from "drizzle-orm";
import { audit, auditStatement } from "../../db/queries/audit";
import { tenants } from "../../db/schema";
import { alertDestinationProblem } from "../../alerts/attention";
import { alertWebhookUrl } from "../../schemas/forms";
import { ensureConnectWiseCallback, rotateHookAddresses } from "../../webhooks/hook-addresses";
import { requireWrite, tenantLayout } from "./access";
import { validated, type AdminEnv } from "./session";

/**
 * Tenant administration pages under /t/:tenantId: admin tasks, users, API tokens.
 * `tenantAccess` has scoped the request; every write below is behind `requireWrite`.
 * Plain outcomes redirect with `?done=<code>` (reload-safe); secrets shown once re-render.
 */
export const tenantAdminPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

const base = (c: Ctx, area: string) => `/t/${c.get("tenantId")}/${area}`;
const actor = (c: Ctx) => ({ userId: c.get("user").id, via: "admin" as const });

// ---- Admin tasks -------------------------------------------------------------------
async function renderTasks(
  c: Ctx,
  extra: { ok?: string; error?: string; errors?: Record<string, string>; ticketValue?: string; alertValue?: string } = {},
  status: 200 | 400 | 404 | 409 | 429 = 200,
) {
  const db = createDb(c.env.DB);
  const st = await describeTenantStatus(db, c.get("tenantId"));
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, c.get("tenantId")), columns: { alertWebhookUrl: true } });
  return c.html(<TasksPage {...tenantLayout(c)} status={st} alertWebhookUrl={extra.alertValue ?? tenant?.alertWebhookUrl ?? ""} {...extra} />, status);
}

const PUSH_FLASH: Record<string, string> = {
  "alerts-saved": "Alert webhook saved: it hears once when syncing needs attention, and once when it recovers.",
  "alerts-removed": "Alert webhook removed.",
  "callback-registered": "ConnectWise callbacks registered: technician changes now reach psa-sync in seconds.",
  "callback-reactivated": "ConnectWise had disabled the callback; it is active again.",
  "callback-present": "ConnectWise callbacks were already registered and active.",
};

tenantAdminPages.get("/tasks", (c) => {
  const done = c.req.query("done") ?? "";
  return renderTasks(c, { ok: done in TASK_MESSAGES ? TASK_MESSAGES[done as TaskCode] : PUSH_FLASH[done] });
});

/** The alert webhook: told once when syncing stops needing attention and once when it recovers. */
tenantAdminPages.post("/tasks/alerts", requireWrite, async (c) => {
  const body = await c.req.parseBody();
  const raw = String(body.alertWebhookUrl ?? "").trim();
  const parsed = raw === "" ? { success: true as const, data: null } : alertWebhookUrl.safeParse(raw);
  if (!parsed.success) return renderTasks(c, { errors: { alertWebhookUrl: parsed.error.issues[0]?.message ?? "Enter a valid address" }, alertValue: raw }, 400);
  const refused = parsed.data ? alertDestinationProblem(c.env, parsed.data, new URL(c.req.url).origin) : null;
  if (refused) return renderTasks(c, { errors: { alertWebhookUrl: refused }, alertValue: raw }, 400);
  const db = createDb(c.env.DB);
  await db.batch([
    db
      .update(tenants)
      .set({ alertWebhookUrl: parsed.data })
      .where(eq(tenants.id, c.get("tenantId"))),
    auditStatement(db, {
      tenantId: c.get("tenantId"),
      userId: c.get("user").id,
      action: "alerts.saved",
      detail: parsed.data ? `Alert webhook set (${new URL(parsed.data).host})` : "Alert webhook removed",
    }),
  ]);
  return c.redirect(`${base(c, "tasks")}?done=${parsed.data ? "alerts-saved" : "alerts-removed"}`, 303);
});

/** Re-register push: ConnectWise calls back to PUBLIC_URL (or this address when it is not set). */
tenantAdminPages.post("/tasks/callbacks", requireWrite, async (c) => {
  const db = createDb(c.env.DB);
  const origin = c.env.PUBLIC_URL || new URL(c.req.url).origin;
  try {
    const result = await ensureConnectWiseCallback(c.env, db, c.get("tenantId"), origin);
    await audit(db, {
      tenantId: c.get("tenantId"),
      userId: c.get("user").id,
      action: "callbacks.registered",
      target: String(result.id),
      detail: `ConnectWise callback ${result.state}`,
    });
    return c.redirect(`${base(c, "tasks")}?done=callback-${result.state}`, 303);
  } catch (err) {
    if (err instanceof AppError) return renderTasks(c, { error: `Could not register the ConnectWise callback: ${err.message}` }, 409);
    throw err;
  }
});

/** New webhook addresses: the old ones stop answering at once (a leaked address is worthless). */
tenantAdminPages.post("/tasks/rotate-hooks", requireWrite, async (c) => {
  const db = createDb(c.env.DB);
  const origin = c.env.PUBLIC_URL || new URL(c.req.url).origin;
  const rotated = await rotateHookAddresses(c.env, db, c.get("tenantId"), actor(c), origin, log);
  return renderTasks(c, {
    ok: `Webhook addresses rotated: the old ones no longer answer. ConnectWise callback: ${rotated.connectwise}. Ask the portal administrator to point the psa-sync webhook at ${rotated.portalHookUrl}.`,
  });
});

/** A task refused for the tenant's state (paused, disabled) or over its allowance re-renders with the reason. */
async function runTask(c: Ctx, task: () => Promise<TaskCode>) {
  try {
    return c.redirect(`${base(c, "tasks")}?done=${await task()}`, 303);
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict") return renderTasks(c, { error: err.message }, 409);
    if (err instanceof AppError && err.code === "rate_limited") {
      c.header("retry-after", String(err.retryAfter ?? 60));
      return renderTasks(c, { error: err.message }, 429);
    }
    if (err instanceof AppError && err.code === "not_found") return renderTasks(c, { error: err.message }, 404);
    throw err;
  }
}

tenantAdminPages.post("/tasks/sync", requireWrite, (c) => runTask(c, async () => (await syncNow(c.env, c.get("tenantId"), actor(c), log)).code));

const resyncIn = validated("form", resyncForm, (c, _e, raw, error) =>
  renderTasks(c, { errors: formErrors(error), ticketValue: formValues(raw).portalTicketId ?? "" }, 400),
);
tenantAdminPages.post("/tasks/resync", requireWrite, resyncIn, (c) =>
  runTask(c, async () => (await resyncTicket(c.env, c.get("tenantId"), c.req.valid("form").portalTicketId, actor(c), log)).code),
);

const bulkResyncIn = validated("form", bulkResyncForm, (c) => renderTasks(c, { error: "Choose which tickets to resync." }, 400));
tenantAdminPages.post("/tasks/resync-bulk", requireWrite, bulkResyncIn, (c) =>
  runTask(c, async () => (await resyncTickets(c.env, c.get("tenantId"), { warning: c.req.valid("form").warning }, actor(c), log)).code),
);

const pauseIn = validated("form", pauseForm, (c) => renderTasks(c, { error: "Choose pause or resume." }, 400));
tenantAdminPages.post("/tasks/pause", requireWrite, pauseIn, (c) =>
  runTask(c, () => setPaused(createDb(c.env.DB), c.get("tenantId"), c.req.valid("form").paused, actor(c))),
);

// ---- Users -------------------------------------------------------------------------
const USER_FLASH: Record<string, string> = {
  "role-changed": "Role changed.",
  disabled: "User disabled and signed out.",
  enabled: "User enabled: they can sign in again.",
};

async function renderUsers(c: Ctx, extra: Partial<Pick<UsersPageProps, "issued" | "ok" | "errors" | "values">> = {}, status: 200 | 400 | 404 | 409 = 200) {
  const users = await listTenantUsers(createDb(c.env.DB), c.get("tenantId"));
  return c.html(<UsersPage {...tenantLayout(c)} users={users} {...extra} />, status);
}

const issuedLink = (c: Ctx, issued: { email: string; token: string }) => ({ email: issued.email, link: signInLinkUrl(c.env, c.req.url, issued.token) });

tenantAdminPages.get("/users", (c) => renderUsers(c, { ok: USER_FLASH[c.req.query("done") ?? ""] }));

const addUserIn = validated("form", addUserForm, (c, _e, raw, error) => renderUsers(c, { errors: formErrors(error), values: formValues(raw) }, 400));
tenantAdminPages.post("/users", requireWrite, addUserIn, async (c) => {
  const result = await addTenantUser(c.env, createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.valid("form"));
  if (!result.ok) return renderUsers(c, { errors: result.errors, values: formValues(await c.req.parseBody()) }, result.status);
  return renderUsers(c, { ok: `${result.value.email} was added: send them the sign-in link below.`, issued: issuedLink(c, result.value) });
});

const roleIn = validated("form", roleForm, (c) => renderUsers(c, { errors: { form: "Choose admin or viewer." } }, 400));
tenantAdminPages.post("/users/:userId/role", requireWrite, roleIn, async (c) => {
  const result = await changeRole(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.param("userId"), c.req.valid("form").role);
  return result.ok ? c.redirect(`${base(c, "users")}?done=role-changed`, 303) : renderUsers(c, { errors: result.errors }, result.status);
});

for (const [path, disabled] of [
  ["disable", true],
  ["enable", false],
] as const) {
  tenantAdminPages.post(`/users/:userId/${path}`, requireWrite, async (c) => {
    const result = await setUserDisabled(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.param("userId"), disabled);
    return result.ok ? c.redirect(`${base(c, "users")}?done=${path}d`, 303) : renderUsers(c, { errors: result.errors }, result.status);
  });
}

tenantAdminPages.post("/users/:userId/reset-password", requireWrite, async (c) => {
  const result = await resetUserPassword(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.param("userId"));
  if (!result.ok) return renderUsers(c, { errors: result.errors }, result.status);
  return renderUsers(c, {
    ok: `${result.value.email} was signed out and their password no longer works; send them the sign-in link below.`,
    issued: issuedLink(c, result.value),
  });
});

// ---- API tokens --------------------------------------------------------------------
async function renderTokens(c: Ctx, extra: Partial<Pick<TokensPageProps, "created" | "ok" | "errors" | "values">> = {}, status: 200 | 400 | 404 = 200) {
  const tokens = await listTokens(createDb(c.env.DB), c.get("tenantId"));
  return c.html(<TokensPage {...tenantLayout(c)} tokens={tokens} {...extra} />, status);
}

tenantAdminPages.get("/tokens", (c) => renderTokens(c, { ok: c.req.query("done") === "revoked" ? "Token revoked: it stops working at once." : undefined }));

const tokenIn = validated("form", tokenForm, (c, _e, raw, error) => renderTokens(c, { errors: formErrors(error), values: formValues(raw) }, 400));
tenantAdminPages.post("/tokens", requireWrite, tokenIn, async (c) => {
  const form = c.req.valid("form");
  const { token } = await createApiToken(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, form);
  return renderTokens(c, { ok: "Token created.", created: { name: form.name, token } });
});

tenantAdminPages.post("/tokens/:tokenId/revoke", requireWrite, async (c) => {
  const name = await revokeApiToken(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.param("tokenId"));
  if (name === null) throw new HTTPException(404, { message: "That token does not exist or is already revoked." });
  return c.redirect(`${base(c, "tokens")}?done=revoked`, 303);
});
