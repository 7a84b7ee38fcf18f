import { Hono, type Context } from "hono";
import { listTenantsWithLastRun } from "../../db/queries/tenants-admin";
import { tenantForm } from "../../schemas/accounts";
import { signInLinkUrl } from "../accounts/sign-in-links";
import { requireOperator } from "../shared/access";
import { validated, type AdminEnv } from "../shared/context";
import { formPage } from "../shared/forms";
import { vendorFeedForm } from "./schemas";
import { approveConnectWiseHost, registerTenant, setTenantStatus } from "./tenants";
import { clearVendorFeed, setVendorFeed, testStoredCredential, vendorFeedStatus, vendorHookUrl } from "./vendor-feed";
import { TenantsPage, type TenantListRow, type TenantsPageProps } from "./views/tenants-page";
import { VendorFeedPage, type VendorFeedPageProps } from "./views/vendor-feed-page";

/** Operator pages: tenants (register, disable, approve an on-premises host, open read-only) and the vendor feed. */
export const operatorPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

operatorPages.use("*", requireOperator);
const actor = (c: Ctx) => ({ ...c.var.actor, via: "operator page" });

const FLASH: Record<string, string> = {
  disabled: "Tenant disabled: no runs, and its API tokens stop working.",
  "host-saved": "On-premises ConnectWise host saved.",
  enabled: "Tenant enabled again.",
};

async function renderTenants(c: Ctx, extra: Partial<Pick<TenantsPageProps, "created" | "ok" | "errors" | "values">> = {}) {
  const rows = await listTenantsWithLastRun(c.var.db);
  // Two runs started in the same millisecond would list a tenant twice: keep the first.
  const seen = new Set<string>();
  const tenants: TenantListRow[] = rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
  return c.render(<TenantsPage tenants={tenants} {...extra} />, { title: "Tenants" });
}
const tenantsPage = formPage(renderTenants);

operatorPages.get("/tenants", (c) => renderTenants(c, { ok: FLASH[c.req.query("done") ?? ""] }));

operatorPages.post("/tenants", tenantsPage, validated("form", tenantForm), async (c) => {
  const { signInToken, ...created } = await registerTenant(c.var.db, c.var.actor, c.req.valid("form"));
  return renderTenants(c, { ok: `Tenant "${created.name}" registered.`, created: { ...created, link: signInLinkUrl(c.env, c.req.url, signInToken) } });
});

for (const [path, status] of [
  ["disable", "disabled"],
  ["enable", "active"],
] as const) {
  operatorPages.post(`/tenants/:tenantId/${path}`, async (c) => {
    await setTenantStatus(c.var.db, c.var.actor, c.req.param("tenantId"), status);
    return c.redirect(`/operator/tenants?done=${path}d`, 303);
  });
}

/** Which on-premises ConnectWise host a tenant may use: an operator's decision, never the tenant's (docs/security.md). */
operatorPages.post("/tenants/:tenantId/connectwise-host", tenantsPage, async (c) => {
  const body = await c.req.parseBody();
  await approveConnectWiseHost(c.var.db, c.var.actor, c.req.param("tenantId"), typeof body.host === "string" ? body.host : "");
  return c.redirect("/operator/tenants?done=host-saved", 303);
});

const FEED_FLASH: Record<string, string> = { cleared: "Vendor feed cleared: tenant runs list their own requests again." };

async function renderFeed(c: Ctx, extra: Partial<Pick<VendorFeedPageProps, "ok" | "errors" | "email">> = {}) {
  const feed = await vendorFeedStatus(c.var.db, Date.now());
  const hookUrl = c.env.PUBLIC_URL ? vendorHookUrl(c.env.PUBLIC_URL) : null;
  return c.render(<VendorFeedPage status={feed} hookUrl={hookUrl} {...extra} />, { title: "Vendor feed" });
}
// Only the email is echoed back into the form: tokens and secrets never are.
const feedPage = formPage((c, { errors, values }) => renderFeed(c, { errors, email: values.email ?? "" }));

operatorPages.get("/vendor-feed", (c) => renderFeed(c, { ok: FEED_FLASH[c.req.query("done") ?? ""] }));

operatorPages.post("/vendor-feed", feedPage, validated("form", vendorFeedForm), async (c) =>
  renderFeed(c, { ok: await setVendorFeed(c.env, c.var.db, actor(c), c.req.valid("form")) }),
);

// A test is a report, not a refusal: a failed one is shown as the page's error at 400.
operatorPages.post("/vendor-feed/test", async (c) => {
  const result = await testStoredCredential(c.env, c.var.db);
  if (!result.ok) c.status(400);
  return renderFeed(c, result.ok ? { ok: result.message } : { errors: { form: result.message } });
});

operatorPages.post("/vendor-feed/clear", async (c) => {
  await clearVendorFeed(c.var.db, actor(c));
  return c.redirect("/operator/vendor-feed?done=cleared", 303);
});
