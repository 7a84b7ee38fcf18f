import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { audit } from "../../src/db/queries/audit";
import { tenants } from "../../src/db/schema";
import { createTenant, createTicketLink, db } from "../factories/tenants";
import { createUser, ORIGIN, signIn } from "../setup/admin-client";
import { csvOf, insertEvent, insertFailure, insertLinks, insertRun, insertRunTickets, ticketSyncBody } from "./monitoring-fixtures";

async function tenantWithViewer() {
  const tenant = await createTenant();
  const user = await createUser("tenant_viewer", tenant.id);
  return { tenant, client: await signIn(user.email, user.password) };
}

describe("dashboard", () => {
  it("shows health, counts, the run chart and open warnings", async () => {
    const { tenant, client } = await tenantWithViewer();
    await createTicketLink(tenant.id, 101, { state: "ok", cwTicketId: 5101 });
    await createTicketLink(tenant.id, 102, {
      state: "warning",
      summary: "Printer <jammed>",
      warnings: [{ code: "unmapped_priority", message: "Portal priority “urgent” has no ConnectWise priority: map it in Advanced Settings." }],
    });
    await insertFailure(tenant.id, ticketSyncBody(tenant.id, 102));
    const run = await insertRun(tenant.id, { ticketsSeen: 3 });
    await insertRunTickets(run.id, tenant.id, [
      { portalTicketId: 101, state: "done" },
      { portalTicketId: 102, state: "done" },
      { portalTicketId: 103, state: "failed" },
    ]);
    await db().update(tenants).set({ attentionReason: "ConnectWise rejected the API keys." }).where(eq(tenants.id, tenant.id));

    const res = await client.fetch(`/t/${tenant.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("ConnectWise rejected the API keys.");
    expect(html).toContain("not connected");
    expect(html).toMatch(/<span class="stat">2<\/span> linked tickets/);
    expect(html).toMatch(/<span class="stat">1<\/span> open warnings/);
    expect(html).toMatch(/<span class="stat">1<\/span> failures not replayed/);
    // The chart's bars are links, so the chart is no role="img" (whose content may hold no links).
    expect(html).not.toContain('role="img"');
    expect(html).toMatch(/<a href="\/t\/[^/]+\/runs\/[^"]+" aria-label="Run of [^"]+ UTC · completed: 2 synced, 1 failed">/);
    expect(html).toContain('src="/static/app.js"');
    expect(html).toContain("map it in Advanced Settings");
    expect(html).toContain("Printer &lt;jammed&gt;");
    expect(html).not.toContain("Printer <jammed>");
    expect(html).toContain(`/t/${tenant.id}/tickets/102`);
    expect(html).toContain("Next run");
  });

  it("says when syncing is paused and that no run is scheduled", async () => {
    const tenant = await createTenant({ paused: true });
    const user = await createUser("tenant_admin", tenant.id);
    const client = await signIn(user.email, user.password);
    const html = await (await client.fetch(`/t/${tenant.id}`)).text();
    expect(html).toContain("Syncing is paused");
    expect(html).toContain("none scheduled (paused)");
    expect(html).toContain("No runs yet");
  });
});

describe("runs", () => {
  it("lists runs newest first with paging, and shows one run with its tickets and live progress", async () => {
    const { tenant, client } = await tenantWithViewer();
    for (let i = 0; i < 5; i++) await insertRun(tenant.id, { startedAt: `2026-01-0${i + 1}T10:00:00.000Z`, portalCalls: 10 + i });
    const live = await insertRun(tenant.id, { status: "running", finishedAt: null, startedAt: "2026-02-01T10:00:00.000Z", ticketsSeen: 2 });
    await createTicketLink(tenant.id, 777, { summary: "VPN drops hourly", state: "ok" });
    await insertRunTickets(live.id, tenant.id, [
      { portalTicketId: 777, state: "done" },
      { portalTicketId: 778, state: "queued" },
    ]);

    const list = await (await client.fetch(`/t/${tenant.id}/runs?limit=4`)).text();
    // UTC in the text and the title (the text without a script); app.js shows local time.
    expect(list).toContain('<time datetime="2026-02-01T10:00:00.000Z" title="2026-02-01 10:00 UTC">2026-02-01 10:00 UTC</time>');
    expect(list.indexOf("2026-02-01 10:00")).toBeLessThan(list.indexOf("2026-01-05 10:00"));
    expect(list).not.toContain("2026-01-02 10:00");
    const next = /href="([^"]*cursor=[^"]+)"/.exec(list)![1]!.replace(/&amp;/g, "&");
    const second = await (await client.fetch(next)).text();
    expect(second).toContain("2026-01-01 10:00");
    expect(second).not.toContain("2026-02-01 10:00");
    const previous = /href="([^"]*before=[^"]+)" rel="prev"/.exec(second)![1]!.replace(/&amp;/g, "&");
    const back = await (await client.fetch(previous)).text();
    expect(back.match(/<time datetime="[^"]+"/g)).toEqual(list.match(/<time datetime="[^"]+"/g));
    expect(back).not.toContain('rel="prev"');

    const detail = await client.fetch(`/t/${tenant.id}/runs/${live.id}`);
    const html = await detail.text();
    expect(html).toContain("VPN drops hourly");
    expect(html).toContain('data-live="1"');
    expect(html).toContain('src="/static/run-progress.js"');

    const progress = await client.fetch(`/t/${tenant.id}/runs/${live.id}/progress.json`);
    expect(await progress.json()).toMatchObject({ status: "running", live: true, ticketsSeen: 2, tickets: { done: 1, queued: 1, failed: 0 } });
  });
});

describe("static assets", () => {
  it("serves the pages' CSS, scripts and icon from public/static with the pages' CSP, nosniff and a short public cache", async () => {
    const pageCsp = (await SELF.fetch(`${ORIGIN}/login`)).headers.get("content-security-policy");
    expect(pageCsp).toContain("script-src 'self'");
    const assets = [
      ["/static/app.css", /^text\/css/, ":root"],
      ["/static/app.js", /^(text|application)\/javascript/, "time[datetime]"],
      ["/static/run-progress.js", /^(text|application)\/javascript/, "progressUrl"],
      ["/static/configuration.js", /^(text|application)\/javascript/, "data-autosubmit"],
      ["/static/favicon.svg", /^image\/svg\+xml/, "<svg"],
    ] as const;
    for (const [path, type, content] of assets) {
      const res = await SELF.fetch(`${ORIGIN}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(type);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("content-security-policy"), path).toBe(pageCsp);
      expect(res.headers.get("cache-control"), path).toBe("public, max-age=300");
      expect(await res.text(), path).toContain(content);
    }
    const favicon = await SELF.fetch(`${ORIGIN}/favicon.ico`, { redirect: "manual" });
    expect(favicon.status).toBe(301);
    expect([favicon.headers.get("location"), favicon.headers.get("cache-control")]).toEqual(["/static/favicon.svg", "public, max-age=300"]);
  });
});

describe("tickets", () => {
  it("searches by portal id, CW id and summary text (wildcards escaped) and filters by state and warning", async () => {
    const { tenant, client } = await tenantWithViewer();
    await createTicketLink(tenant.id, 4242, { cwTicketId: 9001, summary: "Disk 100% full", state: "ok" });
    await createTicketLink(tenant.id, 4243, { cwTicketId: 9002, summary: "Disk 100 percent", state: "error", lastError: "boom" });
    await createTicketLink(tenant.id, 4244, { summary: "Fan noise", state: "warning", warnings: [{ code: "x", message: "unmatched ClusterID" }] });
    const page = async (q: string) => (await client.fetch(`/t/${tenant.id}/tickets?${q}`)).text();

    expect(await page("q=4242")).toContain("Disk 100% full");
    expect(await page("q=%239002")).toContain("Disk 100 percent");
    const pct = await page("q=100%25");
    expect(pct).toContain("Disk 100% full");
    expect(pct).not.toContain("Disk 100 percent");
    const byState = await page("state=error");
    expect(byState).toContain("Disk 100 percent");
    expect(byState).not.toContain("Fan noise");
    const warned = await page("warning=1");
    expect(warned).toContain("Fan noise");
    expect(warned).not.toContain("Disk 100");
    expect(await page("q=nothing-like-this")).toContain("No ticket matches");
    expect((await client.fetch(`/t/${tenant.id}/tickets?state=bogus`)).status).toBe(400);
  });

  it("pages deep through many links by cursor without repeats, on an index (no OFFSET, no sort step)", async () => {
    const { tenant, client } = await tenantWithViewer();
    await insertLinks(tenant.id, 250, (i) => ({ updatedAt: `2026-03-01T00:00:${String(i % 60).padStart(2, "0")}.${String(i).padStart(3, "0")}Z` }));
    const seen = new Set<string>();
    let path: string | null = `/t/${tenant.id}/tickets?limit=100`;
    let pages = 0;
    while (path) {
      const html: string = await (await client.fetch(path)).text();
      for (const m of html.matchAll(/href="\/t\/[^/]+\/tickets\/(\d+)"/g)) {
        expect(seen.has(m[1]!)).toBe(false);
        seen.add(m[1]!);
      }
      const next: RegExpExecArray | null = /href="([^"]*cursor=[^"]+)" rel="next"/.exec(html);
      path = next ? next[1]!.replace(/&amp;/g, "&") : null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.size).toBe(250);
    // Back from the last page by "Previous page": the same pages in reverse, down to the first (no previous link).
    let last = await (await client.fetch(`/t/${tenant.id}/tickets?limit=100`)).text();
    const firstPageIds = [...last.matchAll(/href="\/t\/[^/]+\/tickets\/(\d+)"/g)].map((m) => m[1]);
    for (let i = 0; i < 2; i++) last = await (await client.fetch(/href="([^"]*cursor=[^"]+)" rel="next"/.exec(last)![1]!.replace(/&amp;/g, "&"))).text();
    expect(last).not.toContain('rel="next"');
    let backPages = 1;
    const backSeen = new Set<string>();
    for (;;) {
      for (const m of last.matchAll(/href="\/t\/[^/]+\/tickets\/(\d+)"/g)) backSeen.add(m[1]!);
      const prev = /href="([^"]*before=[^"]+)" rel="prev"/.exec(last);
      if (!prev) break;
      last = await (await client.fetch(prev[1]!.replace(/&amp;/g, "&"))).text();
      backPages++;
    }
    expect(backPages).toBe(3);
    expect(backSeen.size).toBe(250);
    expect([...last.matchAll(/href="\/t\/[^/]+\/tickets\/(\d+)"/g)].map((m) => m[1])).toEqual(firstPageIds);

    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM ticket_links WHERE tenant_id = ? AND (updated_at < ? OR (updated_at = ? AND id < ?)) ORDER BY updated_at DESC, id DESC LIMIT 51",
    )
      .bind(tenant.id, "2026-03-01", "2026-03-01", 5)
      .all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail).join(" | ");
    expect(details).toMatch(/USING (COVERING )?INDEX ticket_links_(updated|state)_idx/);
    expect(details).not.toContain("TEMP B-TREE");
    const backPlan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM ticket_links WHERE tenant_id = ? AND (updated_at > ? OR (updated_at = ? AND id > ?)) ORDER BY updated_at ASC, id ASC LIMIT 51",
    )
      .bind(tenant.id, "2026-03-01", "2026-03-01", 5)
      .all<{ detail: string }>();
    expect(backPlan.results.map((r) => r.detail).join(" | ")).not.toContain("TEMP B-TREE");
  });

  it("shows a ticket's timeline: state, warnings, last error, both ids, events and comment links", async () => {
    const { tenant, client } = await tenantWithViewer();
    await createTicketLink(tenant.id, 5150, {
      cwTicketId: 7007,
      summary: "Cluster node offline",
      state: "error",
      lastError: "ConnectWise said 500",
      warnings: [{ code: "w", message: "Board status deleted" }],
    });
    const run = await insertRun(tenant.id);
    await insertEvent(tenant.id, 5150, { runId: run.id, detail: "ConnectWise ticket #7007 created on board 1" });
    await insertEvent(tenant.id, 5150, { action: "mirror_comment_to_cw", detail: "portal comment 3 → internal note 9", runId: null });
    const html = await (await client.fetch(`/t/${tenant.id}/tickets/5150`)).text();
    for (const text of [
      "Cluster node offline",
      "ConnectWise said 500",
      "Board status deleted",
      "#7007",
      "ConnectWise ticket created",
      "Portal comment copied to ConnectWise",
      `/t/${tenant.id}/runs/${run.id}`,
    ]) {
      expect(html).toContain(text);
    }
    expect((await client.fetch(`/t/${tenant.id}/tickets/999999`)).status).toBe(404);
    expect((await client.fetch(`/t/${tenant.id}/tickets/not-a-number`)).status).toBe(404);
  });
});

describe("tickets CSV", () => {
  it("downloads every ticket the page's filter matches, escaped and formula-safe, of this tenant only", async () => {
    const { tenant, client } = await tenantWithViewer();
    const other = await createTenant();
    await createTicketLink(tenant.id, 601, {
      cwTicketId: 9601,
      summary: 'Printer "Tray 2", jams\nagain',
      state: "error",
      lastSyncedAt: "2026-05-01T10:00:00.000Z",
    });
    await createTicketLink(tenant.id, 602, { summary: '=HYPERLINK("http://evil")', state: "error" });
    await createTicketLink(tenant.id, 603, { summary: "-2+3", state: "warning", warnings: [{ code: "w", message: "Board status deleted" }] });
    await createTicketLink(tenant.id, 604, { summary: "@SUM(A1)", state: "ok" });
    await createTicketLink(other.id, 605, { summary: "Other tenant's secret", state: "error" });

    const tickets = await (await client.fetch(`/t/${tenant.id}/tickets?state=error`)).text();
    expect(tickets).toContain(`href="/t/${tenant.id}/tickets.csv?state=error"`);
    const errors = await csvOf(await client.fetch(`/t/${tenant.id}/tickets.csv?state=error`));
    expect(errors.disposition).toMatch(/^attachment; filename="tickets-\d{4}-\d\d-\d\d\.csv"$/);
    expect(errors.text.split("\r\n")).toEqual([
      "portal_ticket_id,connectwise_ticket_id,summary,state,warnings,last_synced_at",
      `602,,"'=HYPERLINK(""http://evil"")",error,,`,
      '601,9601,"Printer ""Tray 2"", jams\nagain",error,,2026-05-01T10:00:00.000Z',
      "",
    ]);
    const all = (await csvOf(await client.fetch(`/t/${tenant.id}/tickets.csv`))).text;
    expect(all).toContain("603,,'-2+3,warning,Board status deleted,\r\n");
    expect(all).toContain("604,,'@SUM(A1),ok,,\r\n");
    expect(all).not.toContain("Other tenant");
    expect((await client.fetch(`/t/${other.id}/tickets.csv`)).status).toBe(404);
    expect((await client.fetch(`/t/${tenant.id}/tickets.csv?state=bogus`)).status).toBe(400);
  });

  it("streams more rows than one query reads (keyset chunks of 1,000)", async () => {
    const { tenant, client } = await tenantWithViewer();
    await insertLinks(tenant.id, 1005, (i) => ({
      updatedAt: `2026-03-01T00:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}.000Z`,
    }));
    const lines = (await csvOf(await client.fetch(`/t/${tenant.id}/tickets.csv`))).text.trimEnd().split("\r\n");
    const ids = new Set(lines.slice(1).map((l) => l.split(",")[0]));
    expect(lines).toHaveLength(1006);
    expect(ids.size).toBe(1005);
  });
});

describe("audit log", () => {
  it("lists the tenant's entries newest first, keyset-paged", async () => {
    const { tenant, client } = await tenantWithViewer();
    const other = await createTenant();
    for (let i = 0; i < 3; i++) await audit(db(), { tenantId: tenant.id, userId: null, action: `settings.saved.${i}`, detail: `change ${i}` });
    await audit(db(), { tenantId: other.id, userId: null, action: "secret.other.tenant" });
    const first = await (await client.fetch(`/t/${tenant.id}/audit?limit=2`)).text();
    expect(first.indexOf("settings.saved.2")).toBeLessThan(first.indexOf("settings.saved.1"));
    expect(first).not.toContain("settings.saved.0");
    expect(first).not.toContain("secret.other.tenant");
    const next = /href="([^"]*cursor=[^"]+)"/.exec(first)![1]!.replace(/&amp;/g, "&");
    expect(await (await client.fetch(next)).text()).toContain("settings.saved.0");
  });
});

describe("tenant isolation", () => {
  it("answers 404 for another tenant's run, ticket, progress and failure ids", async () => {
    const mine = await createTenant();
    const other = await createTenant();
    const admin = await createUser("tenant_admin", mine.id);
    const client = await signIn(admin.email, admin.password);
    const run = await insertRun(other.id);
    await createTicketLink(other.id, 31337, { summary: "Other tenant's secret" });
    const failure = await insertFailure(other.id, ticketSyncBody(other.id, 31337));

    for (const path of [`/t/${mine.id}/runs/${run.id}`, `/t/${mine.id}/runs/${run.id}/progress.json`, `/t/${mine.id}/tickets/31337`]) {
      expect((await client.fetch(path)).status).toBe(404);
    }
    expect((await client.fetch(`/t/${mine.id}/failures/${failure.id}/replay`, { form: {} })).status).toBe(404);
    expect(await (await client.fetch(`/t/${mine.id}/tickets?q=secret`)).text()).not.toContain("Other tenant");
    expect(await (await client.fetch(`/t/${mine.id}/failures`)).text()).not.toContain(`#31337`);
    expect((await client.fetch(`/t/${other.id}/runs/${run.id}`)).status).toBe(404);
    expect((await client.fetch(`/t/${other.id}/tickets/31337`)).status).toBe(404);
  });
});
