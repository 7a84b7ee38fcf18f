import { Hono, type Context } from "hono";
import type { z } from "zod";
import { buildAuthorizeUrl, pkcePair } from "../../connectors/zendesk";
import { portalBaseUrl } from "../../egress/fetch";
import { createDb } from "../../db/client";
import { loadConfiguration, readTestResult } from "../../db/queries/configuration";
import { advancedSettingsForm, connectionTestInput, connectwiseInput, portalOAuthStart, portalTokenInput } from "./schemas";
import { loadChoices } from "./choices";
import { connectPortalOAuth, connectPortalToken, saveConnectWise, type ConfigurationActor } from "./connections";
import { beginOAuthState, takeOAuthState } from "./oauth-state";
import { saveAdvancedSettings } from "./settings";
import { runConnectionTest } from "./connection-test";
import { applyMappingsToOpenTickets } from "../tasks/service";
import { AppError } from "../../lib/errors";
import { log } from "../../lib/log";
import { formErrors, formValues } from "../../lib/validation";
import { OnboardingPage, type OnboardingProps } from "./views/onboarding-page";
import { PortalSignInHop } from "./views/parts";
import { SettingsPage, type SettingsProps } from "./views/settings-page";
import { requireWrite, tenantLayout } from "../shared/access";
import { validated, type AdminEnv } from "../shared/session";

/** Configuration pages under /t/:tenantId: onboarding (connections, test connection) and Advanced Settings. */
export const configurationPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

const SAVED: Record<string, string> = {
  portal: "The Support Portal is connected.",
  connectwise: "ConnectWise is saved.",
  test: "Connection tested: see the result below.",
};

const actorOf = (c: Ctx): ConfigurationActor => ({ tenantId: c.get("tenantId"), userId: c.get("user").id });
const onboardingUrl = (c: Ctx) => `/t/${c.get("tenantId")}/onboarding`;
const callbackUrl = (c: Ctx) => `${new URL(c.req.url).origin}/t/${c.get("tenantId")}/onboarding/portal/callback`;

/** The raw form again (Hono keeps the parsed body), for echoing it after a refusal further on. */
const rawForm = async (c: Ctx) => formValues(await c.req.parseBody());

/** An invalid onboarding form re-renders with its field errors and what was typed (secrets excepted). */
const onboardingForm = <T extends z.ZodType>(name: NonNullable<OnboardingProps["form"]>["name"], schema: T) =>
  validated("form", schema, (c, _e, raw, error) => renderOnboarding(c, { form: { name, errors: formErrors(error), values: formValues(raw) } }, 400));

async function renderOnboarding(c: Ctx, extra: Pick<OnboardingProps, "notice" | "form"> = {}, status: 200 | 400 | 502 = 200) {
  const config = await loadConfiguration(createDb(c.env.DB), c.get("tenantId"));
  const props: OnboardingProps = { ...tenantLayout(c), config, lastTest: readTestResult(config.settings), ...extra };
  return c.html(<OnboardingPage {...props} />, status);
}

configurationPages.get("/onboarding", (c) => {
  const saved = SAVED[c.req.query("saved") ?? ""];
  return renderOnboarding(c, { notice: saved ? { kind: "ok", text: saved } : null });
});

// "Generate Token": send the admin to the portal's own sign-in page (see PortalSignInHop for why a page).
configurationPages.post("/onboarding/portal/oauth", requireWrite, onboardingForm("portal-oauth", portalOAuthStart), async (c) => {
  const { clusterFieldId } = c.req.valid("form");
  const pkce = await pkcePair();
  const state = await beginOAuthState(c, {
    key: c.env.ENCRYPTION_KEY,
    sessionHash: c.get("sessionHash"),
    tenantId: c.get("tenantId"),
    codeVerifier: pkce.verifier,
    clusterFieldId: clusterFieldId ?? null,
  });
  const url = buildAuthorizeUrl({
    baseUrl: portalBaseUrl(c.env),
    clientId: c.env.PORTAL_OAUTH_CLIENT_ID,
    redirectUri: callbackUrl(c),
    state,
    scope: "read write",
    codeChallenge: pkce.challenge,
  });
  return c.html(<PortalSignInHop url={url} />, 200, { "cache-control": "no-store" });
});

configurationPages.get("/onboarding/portal/callback", requireWrite, async (c) => {
  const q = c.req.query();
  const flow = await takeOAuthState(c, { key: c.env.ENCRYPTION_KEY, sessionHash: c.get("sessionHash"), tenantId: c.get("tenantId"), state: q.state ?? "" });
  const fail = (text: string) => renderOnboarding(c, { notice: { kind: "error", text } }, 400);
  if (!flow)
    return fail('This sign-in link is not valid any more (it expired, was already used, or was started in another session). Click "Generate Token" again.');
  if (q.error) {
    return fail(
      q.error === "access_denied"
        ? 'The portal sign-in was cancelled or access was denied, so nothing changed. Click "Generate Token" to try again.'
        : `The portal refused the sign-in (${q.error.slice(0, 60)}). Click "Generate Token" to try again.`,
    );
  }
  if (!q.code) return fail('The portal did not send a sign-in code back. Click "Generate Token" to try again.');
  const result = await connectPortalOAuth(c.env, createDb(c.env.DB), actorOf(c), {
    code: q.code,
    redirectUri: callbackUrl(c),
    codeVerifier: flow.codeVerifier,
    clusterFieldId: flow.clusterFieldId,
  });
  if (!result.ok) return renderOnboarding(c, { notice: { kind: "error", text: result.message } }, 502);
  return c.redirect(`${onboardingUrl(c)}?saved=portal`, 303);
});

configurationPages.post("/onboarding/portal/token", requireWrite, onboardingForm("portal-token", portalTokenInput), async (c) => {
  const result = await connectPortalToken(c.env, createDb(c.env.DB), actorOf(c), c.req.valid("form"));
  if (!result.ok)
    return renderOnboarding(c, { form: { name: "portal-token", errors: { [result.field ?? "apiToken"]: result.message }, values: await rawForm(c) } }, 400);
  return c.redirect(`${onboardingUrl(c)}?saved=portal`, 303);
});

configurationPages.post("/onboarding/connectwise", requireWrite, onboardingForm("connectwise", connectwiseInput), async (c) => {
  const result = await saveConnectWise(c.env, createDb(c.env.DB), actorOf(c), c.req.valid("form"), { requestOrigin: new URL(c.req.url).origin });
  if (!result.ok)
    return renderOnboarding(c, { form: { name: "connectwise", errors: { [result.field ?? "site"]: result.message }, values: await rawForm(c) } }, 400);
  return c.redirect(`${onboardingUrl(c)}?saved=connectwise`, 303);
});

configurationPages.post("/onboarding/test", requireWrite, async (c) => {
  const body = await c.req.parseBody();
  const { testTicket } = connectionTestInput.parse({ testTicket: body.testTicket === "on" });
  await runConnectionTest(c.env, createDb(c.env.DB), actorOf(c), { testTicket });
  return c.redirect(`${onboardingUrl(c)}?saved=test#test`, 303);
});

async function renderSettings(
  c: Ctx,
  opts: { boardId?: number | null; companySearch: string } & Partial<Pick<SettingsProps, "changes" | "errors" | "message" | "values" | "choices" | "applied">>,
  status: 200 | 400 | 409 = 200,
) {
  const config = await loadConfiguration(createDb(c.env.DB), c.get("tenantId"));
  const choices = opts.choices ?? (await loadChoices(c.env, config, { boardId: opts.boardId, companySearch: opts.companySearch }));
  const props: SettingsProps = {
    ...tenantLayout(c),
    config,
    choices,
    companySearch: opts.companySearch,
    changes: opts.changes,
    errors: opts.errors,
    message: opts.message,
    values: opts.values,
    applied: opts.applied,
  };
  return c.html(<SettingsPage {...props} />, status);
}

const positiveInt = (v: string | undefined) => (v && /^\d{1,15}$/.test(v) ? Number(v) : null);

configurationPages.get("/settings", (c) =>
  renderSettings(c, { boardId: positiveInt(c.req.query("board")), companySearch: (c.req.query("companySearch") ?? "").trim().slice(0, 100) }),
);

/** "Apply to open tickets": the current mappings, pushed to every open linked ticket, on request. */
configurationPages.post("/settings/apply", requireWrite, async (c) => {
  try {
    const r = await applyMappingsToOpenTickets(c.env, c.get("tenantId"), { userId: c.get("user").id, via: "admin" }, log);
    return renderSettings(c, { boardId: null, companySearch: "", applied: r.message });
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict") return renderSettings(c, { boardId: null, companySearch: "", message: err.message }, 409);
    throw err;
  }
});

/** The board and company search the form was showing (kept across a refusal). */
const shownChoices = (values: Record<string, string>) => ({
  companySearch: (values.companySearch ?? "").trim().slice(0, 100),
  boardId: positiveInt(values.boardId),
});
/** Schema paths (`priorities.low`) → the form's field names (`priority.low`). */
const settingsField = (path: string) => path.replace(/^priorities\./, "priority.").replace(/^statuses\./, "status.");

const settingsForm = validated("form", advancedSettingsForm, (c, _e, raw, error) => {
  const values = formValues(raw);
  return renderSettings(
    c,
    { ...shownChoices(values), errors: formErrors(error, settingsField), values, message: "Nothing was saved: fix the fields marked below." },
    400,
  );
});

configurationPages.post("/settings", requireWrite, settingsForm, async (c) => {
  const values = await rawForm(c);
  const { companySearch, boardId } = shownChoices(values);
  const { priorities, statuses, ...settings } = c.req.valid("form");
  const result = await saveAdvancedSettings(c.env, createDb(c.env.DB), actorOf(c), { settings, mappings: { priorities, statuses }, companySearch });
  if (!result.ok) return renderSettings(c, { boardId, companySearch, errors: result.errors, values, message: result.message, choices: result.choices }, 400);
  return renderSettings(c, { boardId, companySearch, changes: result.changes, choices: result.choices });
});
