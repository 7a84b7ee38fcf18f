import { portalBaseUrl } from "../../egress/fetch";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { csvStream, type CsvCell } from "../../lib/csv";
import { AppError } from "../../lib/errors";
import { auditPage, dashboard, failuresPage, runDetail, runProgress, runsPage, ticketsPage, ticketTimeline } from "./service";
import { auditQuery, failureIdParam, failuresQuery, portalTicketIdParam, runIdParam, runsQuery, runTicketsQuery, ticketsQuery } from "./params";
import { FAILURES_CSV_HEADER, failuresCsvRows, TICKETS_CSV_HEADER, ticketsCsvRows } from "./export";
import { replayAll, replayOne, type ReplayResult } from "./replay";
import { AuditPage } from "./views/audit";
import { DashboardPage } from "./views/dashboard";
import { FailuresPage, type ReplayNotice } from "./views/failures";
import { RunDetailPage, RunsPage } from "./views/runs";
import { TicketTimelinePage } from "./views/ticket-timeline";
import { TicketsPage } from "./views/tickets";
import { requireWrite } from "../shared/access";
import { validated, type AdminEnv } from "../shared/context";

/** Monitoring pages under /t/:tenantId: dashboard, tickets and timelines, runs, failures, audit log. */
export const monitoringPages = new Hono<AdminEnv>();

/** An id in the path that cannot exist is a missing page, not a form error. */
const pathParams = <T extends z.ZodObject>(schema: T) => validated("param", schema, () => new AppError("not_found", "Page not found"));

/** A mangled search or page link is one error page, not a form's field errors. */
const queryOf = <T extends z.ZodType>(schema: T) =>
  validated("query", schema, () => new AppError("invalid_payload", "That search or page link is not valid; start from the first page."));

const runParams = pathParams(z.object({ runId: runIdParam }));

monitoringPages.get("/", async (c) => {
  const tenantId = c.get("tenantId");
  const data = await dashboard(c.var.db, tenantId);
  return c.render(<DashboardPage data={data} tenantId={tenantId} tenantName={c.get("tenantHeader").name} />, { title: "Dashboard", active: "" });
});

monitoringPages.get("/runs", queryOf(runsQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const query = c.req.valid("query");
  const data = await runsPage(c.var.db, tenantId, query);
  return c.render(<RunsPage data={data} tenantId={tenantId} />, { title: "Runs", active: "runs" });
});

monitoringPages.get("/runs/:runId/progress.json", runParams, async (c) => {
  const progress = await runProgress(c.var.db, c.get("tenantId"), c.req.valid("param").runId);
  return c.json(progress, 200, { "cache-control": "no-store" });
});

monitoringPages.get("/runs/:runId", runParams, queryOf(runTicketsQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const data = await runDetail(c.var.db, tenantId, c.req.valid("param").runId, c.req.valid("query").after);
  return c.render(<RunDetailPage data={data} tenantId={tenantId} />, { title: "Run", active: "runs", scripts: ["/static/run-progress.js"] });
});

monitoringPages.get("/tickets", queryOf(ticketsQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const query = c.req.valid("query");
  const data = await ticketsPage(c.var.db, tenantId, query);
  return c.render(<TicketsPage data={data} tenantId={tenantId} query={query} />, { title: "Tickets", active: "tickets" });
});

/** A download of every row a page's filter matches, streamed; the app's default keeps it out of caches (no-store). */
function csvDownload(c: Context<AdminEnv>, name: string, header: string[], rows: AsyncIterable<CsvCell[][]>) {
  c.var.log.info("monitoring.csv_export", { export: name });
  return c.body(csvStream(header, rows), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${name}-${new Date().toISOString().slice(0, 10)}.csv"`,
  });
}

monitoringPages.get("/tickets.csv", queryOf(ticketsQuery), (c) =>
  csvDownload(c, "tickets", TICKETS_CSV_HEADER, ticketsCsvRows(c.var.db, c.get("tenantId"), c.req.valid("query"))),
);

monitoringPages.get("/tickets/:portalTicketId", pathParams(z.object({ portalTicketId: portalTicketIdParam })), async (c) => {
  const tenantId = c.get("tenantId");
  const data = await ticketTimeline(c.var.db, tenantId, c.req.valid("param").portalTicketId, portalBaseUrl(c.env));
  return c.render(<TicketTimelinePage data={data} tenantId={tenantId} />, { title: `Ticket #${data.link.portalTicketId}`, active: "tickets" });
});

/** The outcome of a replay, carried through the redirect (post/redirect/get) as counts only. */
function noticeOf(query: Record<string, string>): ReplayNotice | null {
  if (query.replayed === undefined) return null;
  const n = (v: string | undefined) => Math.max(0, Math.min(100_000, Number.parseInt(v ?? "0", 10) || 0));
  return { replayed: n(query.replayed), kept: n(query.kept), deferred: n(query.deferred) };
}

monitoringPages.get("/failures", queryOf(failuresQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const query = c.req.valid("query");
  const data = await failuresPage(c.var.db, tenantId, query);
  return c.render(<FailuresPage data={data} tenantId={tenantId} state={query.state} canWrite={c.get("canWrite")} notice={noticeOf(c.req.query())} />, {
    title: "Failures",
    active: "failures",
  });
});

monitoringPages.get("/failures.csv", queryOf(failuresQuery), (c) =>
  csvDownload(c, "failures", FAILURES_CSV_HEADER, failuresCsvRows(c.var.db, c.get("tenantId"), c.req.valid("query"))),
);

const afterReplay = (tenantId: string, r: ReplayResult) =>
  `/t/${tenantId}/failures?${new URLSearchParams({ replayed: String(r.replayed.length), kept: String(r.unparseable.length), deferred: String(r.deferred.length) })}`;

const fromFailuresPage = (c: Context<AdminEnv>) => ({ ...c.var.actor, via: "from the Failures page" });

monitoringPages.post("/failures/replay", requireWrite, async (c) => {
  const tenantId = c.get("tenantId");
  const result = await replayAll(c.env, c.var.db, tenantId, fromFailuresPage(c), c.var.log);
  return c.redirect(afterReplay(tenantId, result), 303);
});

monitoringPages.post("/failures/:failureId/replay", requireWrite, pathParams(z.object({ failureId: failureIdParam })), async (c) => {
  const tenantId = c.get("tenantId");
  const id = c.req.valid("param").failureId;
  const result = await replayOne(c.env, c.var.db, tenantId, id, fromFailuresPage(c), c.var.log);
  return c.redirect(afterReplay(tenantId, result), 303);
});

monitoringPages.get("/audit", queryOf(auditQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const query = c.req.valid("query");
  const data = await auditPage(c.var.db, tenantId, query, { isOperator: c.get("user").role === "operator" });
  return c.render(<AuditPage data={data} tenantId={tenantId} />, { title: "Audit log", active: "audit" });
});
