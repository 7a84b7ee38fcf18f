import { Hono, type Context } from "hono";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { bulkResyncForm, pauseForm, resyncForm } from "../../schemas/accounts";
import { alertWebhookUrl } from "../../schemas/forms";
import { tenants } from "../../db/schema";
import { rotateHookAddresses } from "../../webhooks/hook-addresses";
import {
  describeTenantStatus,
  registerCallbacks,
  resyncTicket,
  resyncTickets,
  saveAlertWebhook,
  setPaused,
  syncNow,
  TASK_MESSAGES,
  type TaskCode,
} from "./service";
import { TasksPage } from "./views/tasks-page";
import { requireWrite } from "../shared/access";
import { validated, type AdminEnv, type RefusedForm } from "../shared/context";
import { formPage } from "../shared/forms";

/**
 * The admin tasks page under /t/:tenantId/tasks: sync now, resync, pause, alerts, push addresses.
 * `tenantAccess` has scoped the request; every write below is behind `requireWrite`.
 * Plain outcomes redirect with `?done=<code>` (reload-safe); a refused task (the tenant's
 * state, its allowance, an unknown ticket, an invalid form) re-renders the page with the reason.
 */
export const taskPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

const done = (c: Ctx, code: string) => c.redirect(`/t/${c.get("tenantId")}/tasks?done=${code}`, 303);

async function renderTasks(c: Ctx, view: { ok?: string | undefined } & Partial<RefusedForm> = {}) {
  const tenantId = c.get("tenantId");
  const [status, tenant] = await Promise.all([
    describeTenantStatus(c.var.db, tenantId),
    c.var.db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { alertWebhookUrl: true } }),
  ]);
  return c.render(
    <TasksPage
      tenantId={tenantId}
      readOnly={!c.get("canWrite")}
      status={status}
      ok={view.ok}
      errors={view.errors}
      values={view.values}
      alertWebhookUrl={tenant?.alertWebhookUrl ?? ""}
    />,
    { title: "Admin tasks", active: "tasks" },
  );
}

/** A refused task form re-renders the tasks page, at the refusal's status. */
const tasksForm = formPage((c, form) => renderTasks(c, form));

const PUSH_FLASH: Record<string, string> = {
  "alerts-saved": "Alert webhook saved: it hears once when syncing needs attention, and once when it recovers.",
  "alerts-removed": "Alert webhook removed.",
  "callback-registered": "ConnectWise callbacks registered: technician changes now reach psa-sync in seconds.",
  "callback-reactivated": "ConnectWise had disabled the callback; it is active again.",
  "callback-present": "ConnectWise callbacks were already registered and active.",
};

taskPages.get("/tasks", (c) => {
  const code = c.req.query("done") ?? "";
  return renderTasks(c, { ok: code in TASK_MESSAGES ? TASK_MESSAGES[code as TaskCode] : PUSH_FLASH[code] });
});

/** An empty address removes the alert webhook. */
const alertsForm = z.object({ alertWebhookUrl: z.preprocess((v) => String(v ?? "").trim() || null, alertWebhookUrl.nullable()) });

taskPages.post("/tasks/alerts", requireWrite, tasksForm, validated("form", alertsForm), async (c) => {
  const url = c.req.valid("form").alertWebhookUrl;
  await saveAlertWebhook(c.env, c.var.db, c.get("tenantId"), url, new URL(c.req.url).origin, c.var.actor);
  return done(c, url ? "alerts-saved" : "alerts-removed");
});

/** ConnectWise calls back to PUBLIC_URL (or this address when it is not set). */
const publicOrigin = (c: Ctx) => c.env.PUBLIC_URL || new URL(c.req.url).origin;

/** Re-register push. */
taskPages.post("/tasks/callbacks", requireWrite, tasksForm, async (c) =>
  done(c, `callback-${await registerCallbacks(c.env, c.var.db, c.get("tenantId"), publicOrigin(c), c.var.actor)}`),
);

/** New webhook addresses: the old ones stop answering at once (a leaked address is worthless). */
taskPages.post("/tasks/rotate-hooks", requireWrite, async (c) => {
  const rotated = await rotateHookAddresses(c.env, c.var.db, c.get("tenantId"), c.var.actor, publicOrigin(c), c.var.log);
  return renderTasks(c, {
    ok: `Webhook addresses rotated: the old ones no longer answer. ConnectWise callback: ${rotated.connectwise}. Ask the portal administrator to point the psa-sync webhook at ${rotated.portalHookUrl}.`,
  });
});

taskPages.post("/tasks/sync", requireWrite, tasksForm, async (c) => done(c, (await syncNow(c.env, c.var.db, c.get("tenantId"), c.var.actor, c.var.log)).code));

taskPages.post("/tasks/resync", requireWrite, tasksForm, validated("form", resyncForm), async (c) =>
  done(c, (await resyncTicket(c.env, c.var.db, c.get("tenantId"), c.req.valid("form").portalTicketId, c.var.actor, c.var.log)).code),
);

taskPages.post("/tasks/resync-bulk", requireWrite, tasksForm, validated("form", bulkResyncForm), async (c) =>
  done(c, (await resyncTickets(c.env, c.var.db, c.get("tenantId"), { warning: c.req.valid("form").warning }, c.var.actor, c.var.log)).code),
);

taskPages.post("/tasks/pause", requireWrite, tasksForm, validated("form", pauseForm), async (c) =>
  done(c, await setPaused(c.var.db, c.get("tenantId"), c.req.valid("form").paused, c.var.actor)),
);
