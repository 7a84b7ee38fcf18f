import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { createDb } from "../../db/client";
import { listTokens } from "../../db/queries/tokens";
import { listTenantUsers } from "../../db/queries/users";
import { formErrors, formValues } from "../../lib/validation";
import { addUserForm, roleForm, tokenForm } from "../../schemas/accounts";
import { requireWrite, tenantLayout } from "../shared/access";
import { validated, type AdminEnv } from "../shared/session";
import { signInLinkUrl } from "./sign-in-links";
import { createApiToken, revokeApiToken } from "./tokens";
import { addTenantUser, changeRole, resetUserPassword, setUserDisabled } from "./users";
import { TokensPage, type TokensPageProps } from "./views/tokens-page";
import { UsersPage, type UsersPageProps } from "./views/users-page";

/**
 * A tenant's users and API tokens under /t/:tenantId. `tenantAccess` has scoped the request;
 * every write is behind `requireWrite`. Plain outcomes redirect with `?done=<code>`
 * (reload-safe); secrets shown once (sign-in links, tokens) re-render instead.
 */
export const tenantAccountPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

const base = (c: Ctx, area: string) => `/t/${c.get("tenantId")}/${area}`;

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

tenantAccountPages.get("/users", (c) => renderUsers(c, { ok: USER_FLASH[c.req.query("done") ?? ""] }));

const addUserIn = validated("form", addUserForm, (c, _e, raw, error) => renderUsers(c, { errors: formErrors(error), values: formValues(raw) }, 400));
tenantAccountPages.post("/users", requireWrite, addUserIn, async (c) => {
  const result = await addTenantUser(c.env, createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.valid("form"));
  if (!result.ok) return renderUsers(c, { errors: result.errors, values: formValues(await c.req.parseBody()) }, result.status);
  return renderUsers(c, { ok: `${result.value.email} was added: send them the sign-in link below.`, issued: issuedLink(c, result.value) });
});

const roleIn = validated("form", roleForm, (c) => renderUsers(c, { errors: { form: "Choose admin or viewer." } }, 400));
tenantAccountPages.post("/users/:userId/role", requireWrite, roleIn, async (c) => {
  const result = await changeRole(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.param("userId"), c.req.valid("form").role);
  return result.ok ? c.redirect(`${base(c, "users")}?done=role-changed`, 303) : renderUsers(c, { errors: result.errors }, result.status);
});

for (const [path, disabled] of [
  ["disable", true],
  ["enable", false],
] as const) {
  tenantAccountPages.post(`/users/:userId/${path}`, requireWrite, async (c) => {
    const result = await setUserDisabled(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.param("userId"), disabled);
    return result.ok ? c.redirect(`${base(c, "users")}?done=${path}d`, 303) : renderUsers(c, { errors: result.errors }, result.status);
  });
}

tenantAccountPages.post("/users/:userId/reset-password", requireWrite, async (c) => {
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

tenantAccountPages.get("/tokens", (c) => renderTokens(c, { ok: c.req.query("done") === "revoked" ? "Token revoked: it stops working at once." : undefined }));

const tokenIn = validated("form", tokenForm, (c, _e, raw, error) => renderTokens(c, { errors: formErrors(error), values: formValues(raw) }, 400));
tenantAccountPages.post("/tokens", requireWrite, tokenIn, async (c) => {
  const form = c.req.valid("form");
  const { token } = await createApiToken(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, form);
  return renderTokens(c, { ok: "Token created.", created: { name: form.name, token } });
});

tenantAccountPages.post("/tokens/:tokenId/revoke", requireWrite, async (c) => {
  const name = await revokeApiToken(createDb(c.env.DB), c.get("tenantId"), c.get("user").id, c.req.param("tokenId"));
  if (name === null) throw new HTTPException(404, { message: "That token does not exist or is already revoked." });
  return c.redirect(`${base(c, "tokens")}?done=revoked`, 303);
});
