import { Hono, type Context } from "hono";
import { buildAuthorizeUrl, pkcePair } from "../../connectors/zendesk";
import { portalBaseUrl } from "../../egress/fetch";
import { loadConfiguration, readTestResult } from "../../db/queries/configuration";
import { advancedSettingsForm, connectionTestInput, connectwiseInput, portalOAuthStart, portalTokenInput } from "./schemas";
import { loadChoices } from "./choices";
import { configurationActor, connectPortalOAuth, connectPortalToken, saveConnectWise } from "./connections";
import { beginOAuthState, takeOAuthState } from "./oauth-state";
import { saveAdvancedSettings } from "./settings";
import { runConnectionTest } from "./connection-test";
import { applyMappingsToOpenTickets } from "../tasks/service";
import { AppError } from "../../lib/errors";
import { formValues } from "../../lib/validation";
import { OnboardingPage, type OnboardingProps } from "./views/onboarding-page";
import { PortalSignInHop } from "./views/parts";
import { SettingsPage, type SettingsProps } from "./views/settings-page";
import { requireWrite } from "../shared/access";
import { validated, type AdminEnv, type RefusedForm } from "../shared/context";
import { formPage } from "../shared/forms";

/** Configuration pages under /t/:tenantId: onboarding (connections, test connection) and Advanced Settings. */
export const configurationPages = new Hono<AdminEnv>();
type Ctx = Context<AdminEnv>;

const SAVED: Record<string, string> = {
  portal: "The Support Portal is connected.",
  connectwise: "ConnectWise is saved.",
  test: "Connection tested: see the result below.",
};

const onboardingUrl = (c: Ctx) => `/t/${c.var.tenantId}/onboarding`;
const callbackUrl = (c: Ctx) => `${new URL(c.req.url).origin}/t/${c.var.tenantId}/onboarding/portal/callback`;

/** The onboarding page, at the status already set (a refusal's, or 200). */
async function renderOnboarding(c: Ctx, extra: Pick<OnboardingProps, "notice" | "form"> = {}) {
  const config = await loadConfiguration(c.var.db, c.var.tenantId);
  const props: OnboardingProps = { tenantId: c.var.tenantId, readOnly: !c.var.canWrite, config, lastTest: readTestResult(config.settings), ...extra };
  return c.render(<OnboardingPage {...props} />, { title: "Connections", active: "onboarding" });
}

/** A refused onboarding form re-renders with its field errors and what was typed (secrets excepted). */
const onboardingForm = (name: NonNullable<OnboardingProps["form"]>["name"]) => formPage((c, form) => renderOnboarding(c, { form: { name, ...form } }));

/** A refused portal sign-in: the onboarding page says why. */
const signInRefused = (c: Ctx, { errors }: Pick<RefusedForm, "errors">) => renderOnboarding(c, { notice: { kind: "error", text: errors.form ?? "" } });

configurationPages.get("/onboarding", (c) => {
  const saved = SAVED[c.req.query("saved") ?? ""];
  return renderOnboarding(c, { notice: saved ? { kind: "ok", text: saved } : null });
});

// "Generate Token": send the admin to the portal's own sign-in page (see PortalSignInHop for why a page).
configurationPages.post("/onboarding/portal/oauth", requireWrite, onboardingForm("portal-oauth"), validated("form", portalOAuthStart), async (c) => {
  const { clusterFieldId } = c.req.valid("form");
  const pkce = await pkcePair();
  const state = await beginOAuthState(c, {
    key: c.env.ENCRYPTION_KEY,
    sessionHash: c.var.sessionHash,
    tenantId: c.var.tenantId,
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
  return c.render(<PortalSignInHop url={url} />, { title: "Continue to the portal sign-in", refresh: url });
});

configurationPages.get("/onboarding/portal/callback", requireWrite, formPage(signInRefused), async (c) => {
  const q = c.req.query();
  const flow = await takeOAuthState(c, { key: c.env.ENCRYPTION_KEY, sessionHash: c.var.sessionHash, tenantId: c.var.tenantId, state: q.state ?? "" });
  const refuse = (text: string) => new AppError("invalid_payload", text);
  if (!flow)
    throw refuse('This sign-in link is not valid any more (it expired, was already used, or was started in another session). Click "Generate Token" again.');
  if (q.error) {
    throw refuse(
      q.error === "access_denied"
        ? 'The portal sign-in was cancelled or access was denied, so nothing changed. Click "Generate Token" to try again.'
        : `The portal refused the sign-in (${q.error.slice(0, 60)}). Click "Generate Token" to try again.`,
    );
  }
  if (!q.code) throw refuse('The portal did not send a sign-in code back. Click "Generate Token" to try again.');
  await connectPortalOAuth(c.env, c.var.db, configurationActor(c.var), {
    code: q.code,
    redirectUri: callbackUrl(c),
    codeVerifier: flow.codeVerifier,
    clusterFieldId: flow.clusterFieldId,
  });
  return c.redirect(`${onboardingUrl(c)}?saved=portal`, 303);
});

configurationPages.post("/onboarding/portal/token", requireWrite, onboardingForm("portal-token"), validated("form", portalTokenInput), async (c) => {
  await connectPortalToken(c.env, c.var.db, configurationActor(c.var), c.req.valid("form"));
  return c.redirect(`${onboardingUrl(c)}?saved=portal`, 303);
});

configurationPages.post("/onboarding/connectwise", requireWrite, onboardingForm("connectwise"), validated("form", connectwiseInput), async (c) => {
  await saveConnectWise(c.env, c.var.db, configurationActor(c.var), c.req.valid("form"), { requestOrigin: new URL(c.req.url).origin });
  return c.redirect(`${onboardingUrl(c)}?saved=connectwise`, 303);
});

configurationPages.post("/onboarding/test", requireWrite, async (c) => {
  const body = await c.req.parseBody();
  const { testTicket } = connectionTestInput.parse({ testTicket: body.testTicket === "on" });
  await runConnectionTest(c.env, c.var.db, configurationActor(c.var), { testTicket });
  return c.redirect(`${onboardingUrl(c)}?saved=test#test`, 303);
});

/** The Advanced Settings page, at the status already set (a refusal's, or 200). */
async function renderSettings(
  c: Ctx,
  opts: { boardId?: number | null; companySearch: string } & Partial<Pick<SettingsProps, "changes" | "errors" | "message" | "values" | "choices" | "applied">>,
) {
  const config = await loadConfiguration(c.var.db, c.var.tenantId);
  const choices = opts.choices ?? (await loadChoices(c.env, config, { boardId: opts.boardId, companySearch: opts.companySearch }));
  const props: SettingsProps = {
    tenantId: c.var.tenantId,
    readOnly: !c.var.canWrite,
    config,
    choices,
    companySearch: opts.companySearch,
    changes: opts.changes,
    errors: opts.errors,
    message: opts.message,
    values: opts.values,
    applied: opts.applied,
  };
  return c.render(<SettingsPage {...props} />, { title: "Advanced Settings", active: "settings", scripts: ["/static/configuration.js"] });
}

const positiveInt = (v: string | undefined) => (v && /^\d{1,15}$/.test(v) ? Number(v) : null);

configurationPages.get("/settings", (c) =>
  renderSettings(c, { boardId: positiveInt(c.req.query("board")), companySearch: (c.req.query("companySearch") ?? "").trim().slice(0, 100) }),
);

/** The board and company search the form was showing (kept across a refusal). */
const shownChoices = (values: Record<string, string>) => ({
  companySearch: (values.companySearch ?? "").trim().slice(0, 100),
  boardId: positiveInt(values.boardId),
});
/** Schema paths (`priorities.low`) → the form's field names (`priority.low`). */
const settingsField = (path: string) => path.replace(/^priorities\./, "priority.").replace(/^statuses\./, "status.");

/**
 * A refused save or "Apply to open tickets": the page again with the fields' messages next to
 * them (a whole-form refusal, such as a run in progress, as the page's message) and what was posted.
 */
const settingsRefused = formPage((c, { errors, values }) =>
  renderSettings(c, {
    ...shownChoices(values),
    errors: Object.fromEntries(Object.entries(errors).map(([path, message]) => [settingsField(path), message])),
    values,
    message: errors.form ?? "Nothing was saved: fix the fields marked below.",
  }),
);

/** "Apply to open tickets": the current mappings, pushed to every open linked ticket, on request. */
configurationPages.post("/settings/apply", requireWrite, settingsRefused, async (c) => {
  const r = await applyMappingsToOpenTickets(c.env, c.var.db, c.var.tenantId, c.var.actor, c.var.log);
  return renderSettings(c, { boardId: null, companySearch: "", applied: r.message });
});

configurationPages.post("/settings", requireWrite, settingsRefused, validated("form", advancedSettingsForm), async (c) => {
  const { companySearch, boardId } = shownChoices(formValues(await c.req.parseBody()));
  const { priorities, statuses, ...settings } = c.req.valid("form");
  const { changes, choices } = await saveAdvancedSettings(c.env, c.var.db, configurationActor(c.var), {
    settings,
    mappings: { priorities, statuses },
    companySearch,
  });
  return renderSettings(c, { boardId, companySearch, changes, choices });
});
