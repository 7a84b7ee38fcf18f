import { Hono, type Context } from "hono";
import { createDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { log } from "../../lib/log";
import { formErrors, formValues } from "../../lib/validation";
import { bulkResyncForm, pauseForm, resyncForm } from "../../schemas/accounts";
import { resyncTicket, resyncTickets, setPaused, syncNow, TASK_MESSAGES, describeTenantStatus, type TaskCode } from "./service";
import { TasksPage } from "./views/tasks-page";
import { eq } from "drizzle-orm";
import { audit, auditStatement } from "../../db/queries/audit";
import { tenants } from "../../db/schema";
import { alertDestinationProblem } from "../../alerts/attention";
import { alertWebhookUrl } from "../../schemas/forms";
import { ensureConnectWiseCallback, rotateHookAddresses } from "../../webhooks/hook-addresses";
import { requireWrite, tenantLayout } from "../shared/access";
import { validated, type AdminEnv } from "../shared/session";

/**
 * The admin tasks page under /t/:tenantId/tasks: sync now, resync, pause, alerts, push addresses.
 * `tenantAccess` has scoped the request; every write below is behind `requireWrite`.
 * Plain outcomes redirect with `?done=<code>` (reload-safe).
 */
export const taskPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

const base = (c: Ctx, area: string) => `/t/${c.get("tenantId")}/${area}`;
const actor = (c: Ctx) => ({ userId: c.get("user").id, via: "admin" as const });

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

taskPages.get("/tasks", (c) => {
  const done = c.req.query("done") ?? "";
  return renderTasks(c, { ok: done in TASK_MESSAGES ? TASK_MESSAGES[done as TaskCode] : PUSH_FLASH[done] });
});

/** The alert webhook: told once when syncing stops needing attention and once when it recovers. */
taskPages.post("/tasks/alerts", requireWrite, async (c) => {
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
taskPages.post("/tasks/callbacks", requireWrite, async (c) => {
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
taskPages.post("/tasks/rotate-hooks", requireWrite, async (c) => {
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

taskPages.post("/tasks/sync", requireWrite, (c) => runTask(c, async () => (await syncNow(c.env, c.get("tenantId"), actor(c), log)).code));

const resyncIn = validated("form", resyncForm, (c, _e, raw, error) =>
  renderTasks(c, { errors: formErrors(error), ticketValue: formValues(raw).portalTicketId ?? "" }, 400),
);
taskPages.post("/tasks/resync", requireWrite, resyncIn, (c) =>
  runTask(c, async () => (await resyncTicket(c.env, c.get("tenantId"), c.req.valid("form").portalTicketId, actor(c), log)).code),
);

const bulkResyncIn = validated("form", bulkResyncForm, (c) => renderTasks(c, { error: "Choose which tickets to resync." }, 400));
taskPages.post("/tasks/resync-bulk", requireWrite, bulkResyncIn, (c) =>
  runTask(c, async () => (await resyncTickets(c.env, c.get("tenantId"), { warning: c.req.valid("form").warning }, actor(c), log)).code),
);

const pauseIn = validated("form", pauseForm, (c) => renderTasks(c, { error: "Choose pause or resume." }, 400));
taskPages.post("/tasks/pause", requireWrite, pauseIn, (c) =>
  runTask(c, () => setPaused(createDb(c.env.DB), c.get("tenantId"), c.req.valid("form").paused, actor(c))),
);
