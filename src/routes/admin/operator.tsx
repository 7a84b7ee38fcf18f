import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { createDb } from "../../db/client";
import { listTenantsWithLastRun } from "../../db/queries/tenants-admin";
import { formErrors, tenantForm } from "../../schemas/accounts";
import { signInLinkUrl } from "../../services/sign-in-links";
import { approveConnectWiseHost, registerTenant, setTenantStatus } from "../../services/tenants";
import { TenantsPage, type TenantListRow, type TenantsPageProps } from "../../views/operator/tenants-page";
import { requireOperator } from "./access";
import type { AdminEnv } from "./session";

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

operatorPages.post("/tenants", async (c) => {
  const body = (await c.req.parseBody()) as Record<string, string>;
  const form = tenantForm.safeParse(body);
  if (!form.success) return render(c, { errors: formErrors(form.error), values: body }, 400);
  const result = await registerTenant(createDb(c.env.DB), c.get("user").id, form.data);
  if (!result.ok) return render(c, { errors: result.errors, values: body }, 409);
  const { signInToken, ...created } = result.value;
  return render(c, { ok: `Tenant "${result.value.name}" registered.`, created: { ...created, link: signInLinkUrl(c.env, c.req.url, signInToken) } });
});

for (const [path, status] of [["disable", "disabled"], ["enable", "active"]] as const) {
  operatorPages.post(`/tenants/:tenantId/${path}`, async (c) => {
    const name = await setTenantStatus(createDb(c.env.DB), c.get("user").id, c.req.param("tenantId"), status);
    if (name === null) throw new HTTPException(404, { message: "Page not found" });
    return c.redirect(`/operator/tenants?done=${path}d`, 303);
  });
}

/** Which on-premises ConnectWise host a tenant may use: an operator's decision, never the tenant's (DESIGN §10). */
operatorPages.post("/tenants/:tenantId/connectwise-host", async (c) => {
  const body = await c.req.parseBody();
  const result = await approveConnectWiseHost(createDb(c.env.DB), c.get("user").id, c.req.param("tenantId"), typeof body.host === "string" ? body.host : "");
  if (result === null) throw new HTTPException(404, { message: "Page not found" });
  if (!result.ok) return render(c, { errors: { form: result.error } }, 400);
  return c.redirect("/operator/tenants?done=host-saved", 303);
});
