import { portalBaseUrl } from "../../egress/fetch";
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { createDb } from "../../db/client";
import { csvStream, type CsvCell } from "../../lib/csv";
import { log } from "../../lib/log";
import { auditPage, dashboard, failuresPage, runDetail, runProgress, runsPage, ticketsPage, ticketTimeline } from "./service";
import { auditQuery, failureIdParam, failuresQuery, portalTicketIdParam, runIdParam, runsQuery, runTicketsQuery, ticketsQuery } from "./params";
import { FAILURES_CSV_HEADER, failuresCsvRows, TICKETS_CSV_HEADER, ticketsCsvRows } from "./export";
import { replayAll, replayOne, type ReplayResult } from "./replay";
import { Layout } from "../shared/views/layout";
import { AuditPage } from "./views/audit";
import { DashboardPage } from "./views/dashboard";
import { FailuresPage, type ReplayNotice } from "./views/failures";
import { RunDetailPage, RunsPage } from "./views/runs";
import { TicketTimelinePage } from "./views/ticket-timeline";
import { TicketsPage } from "./views/tickets";
import { requireWrite, tenantLayout } from "../shared/access";
import { validated, type AdminEnv } from "../shared/session";

/** Monitoring pages under /t/:tenantId: dashboard, tickets and timelines, runs, failures, audit log. */
export const monitoringPages = new Hono<AdminEnv>();

/** An id in the path that cannot exist is a missing page, not a form error. */
const pathParams = <T extends z.ZodObject>(schema: T) =>
  validated("param", schema, () => {
    throw new HTTPException(404, { message: "Page not found" });
  });

const queryOf = <T extends z.ZodType>(schema: T) =>
  validated("query", schema, () => {
    throw new HTTPException(400, { message: "That search or page link is not valid; start from the first page." });
  });

const runParams = pathParams(z.object({ runId: runIdParam }));

monitoringPages.get("/", async (c) => {
  const tenantId = c.get("tenantId");
  const data = await dashboard(createDb(c.env.DB), tenantId);
  return c.html(
    <Layout title="Dashboard" {...tenantLayout(c)} active="">
      <DashboardPage data={data} tenantId={tenantId} tenantName={c.get("tenantHeader").name} />
    </Layout>,
  );
});

monitoringPages.get("/runs", queryOf(runsQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const query = c.req.valid("query");
  const data = await runsPage(createDb(c.env.DB), tenantId, query);
  return c.html(
    <Layout title="Runs" {...tenantLayout(c)} active="runs">
      <RunsPage data={data} tenantId={tenantId} />
    </Layout>,
  );
});

monitoringPages.get("/runs/:runId/progress.json", runParams, async (c) => {
  const progress = await runProgress(createDb(c.env.DB), c.get("tenantId"), c.req.valid("param").runId);
  return c.json(progress, 200, { "cache-control": "no-store" });
});

monitoringPages.get("/runs/:runId", runParams, queryOf(runTicketsQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const data = await runDetail(createDb(c.env.DB), tenantId, c.req.valid("param").runId, c.req.valid("query").after);
  return c.html(
    <Layout title="Run" {...tenantLayout(c)} active="runs" scripts={["/static/run-progress.js"]}>
      <RunDetailPage data={data} tenantId={tenantId} />
    </Layout>,
  );
});

monitoringPages.get("/tickets", queryOf(ticketsQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const query = c.req.valid("query");
  const data = await ticketsPage(createDb(c.env.DB), tenantId, query);
  return c.html(
    <Layout title="Tickets" {...tenantLayout(c)} active="tickets">
      <TicketsPage data={data} tenantId={tenantId} query={query} />
    </Layout>,
  );
});

/** A download of every row a page's filter matches, streamed; the app's default keeps it out of caches (no-store). */
function csvDownload(c: Context<AdminEnv>, name: string, header: string[], rows: AsyncIterable<CsvCell[][]>) {
  log.info("monitoring.csv_export", { tenant: c.get("tenantId"), userId: c.get("user").id, export: name });
  return c.body(csvStream(header, rows), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${name}-${new Date().toISOString().slice(0, 10)}.csv"`,
  });
}

monitoringPages.get("/tickets.csv", queryOf(ticketsQuery), (c) =>
  csvDownload(c, "tickets", TICKETS_CSV_HEADER, ticketsCsvRows(createDb(c.env.DB), c.get("tenantId"), c.req.valid("query"))),
);

monitoringPages.get("/tickets/:portalTicketId", pathParams(z.object({ portalTicketId: portalTicketIdParam })), async (c) => {
  const tenantId = c.get("tenantId");
  const data = await ticketTimeline(createDb(c.env.DB), tenantId, c.req.valid("param").portalTicketId, portalBaseUrl(c.env));
  return c.html(
    <Layout title={`Ticket #${data.link.portalTicketId}`} {...tenantLayout(c)} active="tickets">
      <TicketTimelinePage data={data} tenantId={tenantId} />
    </Layout>,
  );
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
  const data = await failuresPage(createDb(c.env.DB), tenantId, query);
  return c.html(
    <Layout title="Failures" {...tenantLayout(c)} active="failures">
      <FailuresPage
        data={data}
        tenantId={tenantId}
        state={query.state}
        canWrite={c.get("canWrite")}
        csrfToken={c.get("csrfToken")}
        notice={noticeOf(c.req.query())}
      />
    </Layout>,
  );
});

monitoringPages.get("/failures.csv", queryOf(failuresQuery), (c) =>
  csvDownload(c, "failures", FAILURES_CSV_HEADER, failuresCsvRows(createDb(c.env.DB), c.get("tenantId"), c.req.valid("query"))),
);

const afterReplay = (tenantId: string, r: ReplayResult) =>
  `/t/${tenantId}/failures?${new URLSearchParams({ replayed: String(r.replayed.length), kept: String(r.unparseable.length), deferred: String(r.deferred.length) })}`;

monitoringPages.post("/failures/replay", requireWrite, async (c) => {
  const tenantId = c.get("tenantId");
  const result = await replayAll(c.env, createDb(c.env.DB), tenantId, { userId: c.get("user").id, via: "from the Failures page" });
  return c.redirect(afterReplay(tenantId, result), 303);
});

monitoringPages.post("/failures/:failureId/replay", requireWrite, pathParams(z.object({ failureId: failureIdParam })), async (c) => {
  const tenantId = c.get("tenantId");
  const id = c.req.valid("param").failureId;
  const result = await replayOne(c.env, createDb(c.env.DB), tenantId, id, { userId: c.get("user").id, via: "from the Failures page" });
  return c.redirect(afterReplay(tenantId, result), 303);
});

monitoringPages.get("/audit", queryOf(auditQuery), async (c) => {
  const tenantId = c.get("tenantId");
  const query = c.req.valid("query");
  const data = await auditPage(createDb(c.env.DB), tenantId, query, { isOperator: c.get("user").role === "operator" });
  return c.html(
    <Layout title="Audit log" {...tenantLayout(c)} active="audit">
      <AuditPage data={data} tenantId={tenantId} />
    </Layout>,
  );
});
