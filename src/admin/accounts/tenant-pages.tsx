import { Hono, type Context } from "hono";
import { listTokens } from "../../db/queries/tokens";
import { listTenantUsers } from "../../db/queries/users";
import { addUserForm, roleForm, tokenForm } from "../../schemas/accounts";
import { requireWrite } from "../shared/access";
import { validated, type AdminEnv } from "../shared/context";
import { formPage } from "../shared/forms";
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

type UsersExtra = Partial<Pick<UsersPageProps, "issued" | "ok" | "errors" | "values">>;
async function renderUsers(c: Ctx, extra: UsersExtra = {}) {
  const users = await listTenantUsers(c.var.db, c.get("tenantId"));
  return c.render(<UsersPage tenantId={c.get("tenantId")} readOnly={!c.get("canWrite")} selfId={c.get("user").id} users={users} {...extra} />, {
    title: "Users",
    active: "users",
  });
}

const issuedLink = (c: Ctx, issued: { email: string; token: string }) => ({ email: issued.email, link: signInLinkUrl(c.env, c.req.url, issued.token) });

tenantAccountPages.get("/users", (c) => renderUsers(c, { ok: USER_FLASH[c.req.query("done") ?? ""] }));

const addUserRefused = formPage((c, { errors, values }) => renderUsers(c, { errors, values }));
tenantAccountPages.post("/users", requireWrite, addUserRefused, validated("form", addUserForm), async (c) => {
  const added = await addTenantUser(c.env, c.var.db, c.get("tenantId"), c.var.actor, c.req.valid("form"));
  return renderUsers(c, { ok: `${added.email} was added: send them the sign-in link below.`, issued: issuedLink(c, added) });
});

/** A user row's buttons have no fields to mark: whatever refuses them is the page's message. */
const rowActionRefused = formPage((c, { errors }) => renderUsers(c, { errors: { form: Object.values(errors).join(" ") } }));

tenantAccountPages.post("/users/:userId/role", requireWrite, rowActionRefused, validated("form", roleForm), async (c) => {
  await changeRole(c.var.db, c.get("tenantId"), c.var.actor, c.req.param("userId"), c.req.valid("form").role);
  return c.redirect(`${base(c, "users")}?done=role-changed`, 303);
});

for (const [path, disabled] of [
  ["disable", true],
  ["enable", false],
] as const) {
  tenantAccountPages.post(`/users/:userId/${path}`, requireWrite, rowActionRefused, async (c) => {
    await setUserDisabled(c.var.db, c.get("tenantId"), c.var.actor, c.req.param("userId"), disabled);
    return c.redirect(`${base(c, "users")}?done=${path}d`, 303);
  });
}

tenantAccountPages.post("/users/:userId/reset-password", requireWrite, rowActionRefused, async (c) => {
  const reset = await resetUserPassword(c.var.db, c.get("tenantId"), c.var.actor, c.req.param("userId"));
  return renderUsers(c, {
    ok: `${reset.email} was signed out and their password no longer works; send them the sign-in link below.`,
    issued: issuedLink(c, reset),
  });
});

// ---- API tokens --------------------------------------------------------------------
type TokensExtra = Partial<Pick<TokensPageProps, "created" | "ok" | "errors" | "values">>;
async function renderTokens(c: Ctx, extra: TokensExtra = {}) {
  const tokens = await listTokens(c.var.db, c.get("tenantId"));
  return c.render(<TokensPage tenantId={c.get("tenantId")} readOnly={!c.get("canWrite")} tokens={tokens} {...extra} />, {
    title: "API tokens",
    active: "tokens",
  });
}

tenantAccountPages.get("/tokens", (c) => renderTokens(c, { ok: c.req.query("done") === "revoked" ? "Token revoked: it stops working at once." : undefined }));

const tokenRefused = formPage((c, { errors, values }) => renderTokens(c, { errors, values }));
tenantAccountPages.post("/tokens", requireWrite, tokenRefused, validated("form", tokenForm), async (c) => {
  const form = c.req.valid("form");
  const { token } = await createApiToken(c.var.db, c.get("tenantId"), c.var.actor, form);
  return renderTokens(c, { ok: "Token created.", created: { name: form.name, token } });
});

tenantAccountPages.post("/tokens/:tokenId/revoke", requireWrite, async (c) => {
  await revokeApiToken(c.var.db, c.get("tenantId"), c.var.actor, c.req.param("tokenId"));
  return c.redirect(`${base(c, "tokens")}?done=revoked`, 303);
});
