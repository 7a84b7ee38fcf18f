import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { createDb } from "../../db/client";
import { listTenantsWithLastRun } from "../../db/queries/tenants-admin";
import { formErrors, formValues } from "../../lib/validation";
import { tenantForm } from "../../schemas/accounts";
import { signInLinkUrl } from "../accounts/sign-in-links";
import { approveConnectWiseHost, registerTenant, setTenantStatus } from "./tenants";
import { TenantsPage, type TenantListRow, type TenantsPageProps } from "./views/tenants-page";
import { VendorFeedPage, type VendorFeedPageProps } from "./views/vendor-feed-page";
import { vendorFeedForm } from "./schemas";
import { clearVendorFeed, setVendorFeed, testStoredCredential, vendorFeedStatus, vendorHookUrl } from "./vendor-feed";
import { requireOperator } from "../shared/access";
import { validated, type AdminEnv } from "../shared/session";

/** Operator pages: tenants (create, disable, open read-only). */
export const operatorPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

operatorPages.use("*", requireOperator);

const FLASH: Record<string, string> = {
  disabled: "Tenant disabled: no runs, and its API tokens stop working.",
  "host-saved": "On-premises ConnectWise host saved.",
  enabled: "Tenant enabled again.",
};

async function render(c: Ctx, extra: Partial<Pick<TenantsPageProps, "created" | "ok" | "errors" | "values">> = {}, status: 200 | 400 | 409 = 200) {
  const rows = await listTenantsWithLastRun(createDb(c.env.DB));
  // Two runs started in the same millisecond would list a tenant twice: keep the first.
  const seen = new Set<string>();
  const tenants: TenantListRow[] = rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
  return c.html(<TenantsPage user={c.get("user")} csrfToken={c.get("csrfToken")} tenants={tenants} {...extra} />, status);
}

operatorPages.get("/tenants", (c) => render(c, { ok: FLASH[c.req.query("done") ?? ""] }));

const tenantFormIn = validated("form", tenantForm, (c, _e, raw, error) => render(c, { errors: formErrors(error), values: formValues(raw) }, 400));

operatorPages.post("/tenants", tenantFormIn, async (c) => {
  const result = await registerTenant(createDb(c.env.DB), c.get("user").id, c.req.valid("form"));
  if (!result.ok) return render(c, { errors: result.errors, values: formValues(await c.req.parseBody()) }, 409);
  const { signInToken, ...created } = result.value;
  return render(c, { ok: `Tenant "${result.value.name}" registered.`, created: { ...created, link: signInLinkUrl(c.env, c.req.url, signInToken) } });
});

for (const [path, status] of [
  ["disable", "disabled"],
  ["enable", "active"],
] as const) {
  operatorPages.post(`/tenants/:tenantId/${path}`, async (c) => {
    const name = await setTenantStatus(createDb(c.env.DB), c.get("user").id, c.req.param("tenantId"), status);
    if (name === null) throw new HTTPException(404, { message: "Page not found" });
    return c.redirect(`/operator/tenants?done=${path}d`, 303);
  });
}

/** Which on-premises ConnectWise host a tenant may use: an operator's decision, never the tenant's (docs/security.md). */
operatorPages.post("/tenants/:tenantId/connectwise-host", async (c) => {
  const body = await c.req.parseBody();
  const result = await approveConnectWiseHost(createDb(c.env.DB), c.get("user").id, c.req.param("tenantId"), typeof body.host === "string" ? body.host : "");
  if (result === null) throw new HTTPException(404, { message: "Page not found" });
  if (!result.ok) return render(c, { errors: { form: result.error } }, 400);
  return c.redirect("/operator/tenants?done=host-saved", 303);
});

const FEED_FLASH: Record<string, string> = { cleared: "Vendor feed cleared: tenant runs list their own requests again." };

async function renderFeed(c: Ctx, extra: Partial<Pick<VendorFeedPageProps, "ok" | "errors" | "email">> = {}, status: 200 | 400 = 200) {
  const feed = await vendorFeedStatus(createDb(c.env.DB), Date.now());
  const hookUrl = c.env.PUBLIC_URL ? vendorHookUrl(c.env.PUBLIC_URL) : null;
  return c.html(<VendorFeedPage user={c.get("user")} csrfToken={c.get("csrfToken")} status={feed} hookUrl={hookUrl} {...extra} />, status);
}

operatorPages.get("/vendor-feed", (c) => renderFeed(c, { ok: FEED_FLASH[c.req.query("done") ?? ""] }));

const vendorFeedIn = validated("form", vendorFeedForm, (c, _e, raw, error) =>
  renderFeed(c, { errors: formErrors(error), email: formValues(raw).email ?? "" }, 400),
);

operatorPages.post("/vendor-feed", vendorFeedIn, async (c) => {
  const form = c.req.valid("form");
  const result = await setVendorFeed(c.env, createDb(c.env.DB), { userId: c.get("user").id, via: "operator page" }, form);
  return result.ok ? renderFeed(c, { ok: result.message }) : renderFeed(c, { errors: { form: result.message }, email: form.email }, 400);
});

operatorPages.post("/vendor-feed/test", async (c) => {
  const result = await testStoredCredential(c.env, createDb(c.env.DB));
  return result.ok ? renderFeed(c, { ok: result.message }) : renderFeed(c, { errors: { form: result.message } }, 400);
});

operatorPages.post("/vendor-feed/clear", async (c) => {
  await clearVendorFeed(createDb(c.env.DB), { userId: c.get("user").id, via: "operator page" });
  return c.redirect("/operator/vendor-feed?done=cleared", 303);
});
