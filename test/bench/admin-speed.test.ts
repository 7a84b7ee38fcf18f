import { it } from "vitest";
import { ticketEvents, ticketLinks } from "../../src/db/schema";
import { createTenant, db } from "../factories/tenants";
import { createUser, signIn } from "../setup/admin-client";
import { benchSize, percentile, report } from "./bench-helpers";

/** Server time of admin pages with a tenant holding many links and timeline events. */
it("admin speed at scale", async () => {
  const { links, eventsPerLink, repeats } = benchSize().admin;
  const tenant = await createTenant();
  for (let i = 0; i < links; i += 500) {
    const rows = Array.from({ length: Math.min(500, links - i) }, (_, k) => i + k + 1);
    const [first, ...rest] = rows.map((id) =>
      db()
        .insert(ticketLinks)
        .values({
          tenantId: tenant.id,
          portalTicketId: id,
          cwTicketId: 100_000 + id,
          state: id % 17 === 0 ? "warning" : "ok",
          summary: `Ticket ${id} cluster alert ${id % 97}`,
          updatedAt: new Date(1_700_000_000_000 + id * 1000).toISOString(),
        }),
    );
    await db().batch([first!, ...rest]);
  }
  for (let i = 0; i < links * eventsPerLink; i += 500) {
    const n = Math.min(500, links * eventsPerLink - i);
    const [first, ...rest] = Array.from({ length: n }, (_, k) => {
      const j = i + k;
      return db()
        .insert(ticketEvents)
        .values({ tenantId: tenant.id, portalTicketId: (j % links) + 1, action: "mirror_comment_to_cw", detail: `event ${j}` });
    });
    await db().batch([first!, ...rest]);
  }
  const user = await createUser("tenant_viewer", tenant.id);
  const client = await signIn(user.email, user.password);
  const pages: Record<string, string> = {
    dashboard: `/t/${tenant.id}`,
    "tickets page 1": `/t/${tenant.id}/tickets`,
    "tickets search": `/t/${tenant.id}/tickets?q=${encodeURIComponent("alert 42")}`,
    "ticket timeline": `/t/${tenant.id}/tickets/${Math.floor(links / 2)}`,
  };
  // A deep page: follow the cursor 20 pages down once, then time that page.
  let deep = `/t/${tenant.id}/tickets`;
  for (let p = 0; p < 20; p++) {
    const next = /href="([^"]*cursor=[^"]+)"/.exec(await (await client.fetch(deep)).text())?.[1];
    if (!next) break;
    deep = next.replace(/&amp;/g, "&");
  }
  pages["tickets deep page"] = deep;
  for (const [name, path] of Object.entries(pages)) {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      const res = await client.fetch(path);
      await res.text();
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
      times.push(performance.now() - started);
    }
    report(`admin: ${name}`, { links, events: links * eventsPerLink, medianMs: Math.round(percentile(times, 50)), p95Ms: Math.round(percentile(times, 95)) });
  }
});
