import { Hono, type Context } from "hono";
import type { EmulatorModule, SandboxDeps } from "../deps";
import { DEMO_CONNECTWISE } from "../demo-data";
import { cwAuth } from "./auth";
import { addOtherCompanyKey, createCallbackDelivery, signingKey } from "./callback-delivery";
import { mountCallbacks } from "./callbacks";
import { mountCatalog } from "./catalog";
import { DEFAULT_SITE, makeNow, siteOf, TECHNICIAN, type CwContext } from "./context";
import { CwError, cwJson, endpointMissing } from "./errors";
import type { JsonObject } from "./json";
import { createNote, mountNotes, serializeNote } from "./notes";
import { MSP_COMPANY, seed } from "./seed";
import { createStore } from "./store";
import { mountTicketConfigurations } from "./ticket-configurations";
import { mountTickets } from "./tickets";

type TechnicianNoteKind = "internalAnalysis" | "detailDescription" | "resolution";

export type ConnectWiseModule = EmulatorModule & {
  /**
   * Adds a note to a ticket as the demo technician (internal analysis unless `kind` says
   * otherwise), updating the ticket and firing callbacks like an edit in the CW UI.
   * Returns the note as the API shows it, or null when the ticket does not exist.
   */
  addTechnicianNote(ticketId: number, text: string, options?: { kind?: TechnicianNoteKind }): JsonObject | null;
  /** Registers another API member key pair of the demo company. */
  addApiMember(publicKey: string, privateKey: string): void;
  /** Creates another ConnectWise customer's callback key on this host; returns its key_url path and key. */
  addOtherCompanyKey(companyName: string): { path: string; signingKey: string };
  /** Ids of tickets that are not closed, for the demo activity generator. */
  openTicketIds(): number[];
};

function onError(err: Error, c: Context): Response {
  if (err instanceof CwError) return cwJson(c, err.body, err.status);
  console.error({ level: "error", event: "cw.unhandled", message: String(err) });
  return cwJson(c, { code: "UnexpectedError", message: "An unexpected error occurred.", errors: null }, 500);
}

/** The ConnectWise Manage REST API 3.0 emulator, mounted at `/cw`. */
export function createConnectWise(deps: SandboxDeps): ConnectWiseModule {
  const store = createStore(deps.sql);
  const ctx: CwContext = { store, deps, now: makeNow(deps), events: createCallbackDelivery(store, deps) };
  // The last site seen in a request, so callbacks from the activity generator link back correctly.
  let lastSite = DEFAULT_SITE;

  const api = new Hono();
  api.use("*", async (c, next) => {
    lastSite = siteOf(c);
    await next();
  });
  api.use(
    "*",
    cwAuth((publicKey, privateKey) => store.isApiMember(publicKey, privateKey)),
  );
  mountTickets(api, ctx);
  mountNotes(api, ctx);
  mountTicketConfigurations(api, ctx);
  mountCatalog(api, ctx);
  mountCallbacks(api, ctx);
  api.all("*", (c) => cwJson(c, endpointMissing(), 404));
  api.onError(onError);

  const app = new Hono();
  app.onError(onError);
  app.get("/login/companyinfo/:companyId", (c) => {
    if (c.req.param("companyId").toLowerCase() !== DEMO_CONNECTWISE.companyId) return c.text("Cannot route. Codebase/company is invalid", 404);
    const url = new URL(c.req.url);
    return c.json({
      CompanyName: MSP_COMPANY.name,
      Codebase: DEMO_CONNECTWISE.codebase,
      VersionCode: "v2025.1",
      VersionNumber: "v4.6.111924",
      CompanyID: DEMO_CONNECTWISE.companyId,
      IsCloud: false,
      // Clients build `https://{SiteUrl}/{Codebase}apis/3.0`; the sandbox's site includes its mount path.
      SiteUrl: `${url.host}${url.pathname.slice(0, url.pathname.indexOf("/login/companyinfo/"))}`,
    });
  });
  // Where `Metadata.key_url` points; fetched without credentials, as the real page is.
  app.get("/v4_6_release/system/callbackkey/index.rails", (c) => {
    const key = signingKey(store, c.req.query("companyName"), c.req.query("id"));
    if (!key) return cwJson(c, { code: "NotFound", message: "Callback key not found" }, 404);
    return cwJson(c, { signing_key: key });
  });
  app.route("/v4_6_release/apis/3.0", api);
  app.all("*", (c) => c.text("Cannot route. Codebase/company is invalid", 404));

  return {
    app,
    migrate: () => store.migrate(),
    reset() {
      store.dropAll();
      store.migrate();
      seed(ctx);
    },
    addApiMember: (publicKey, privateKey) => store.addApiMember(publicKey, privateKey),
    addOtherCompanyKey(companyName) {
      const { id, key } = addOtherCompanyKey(store, companyName);
      return { path: `/v4_6_release/system/callbackkey/index.rails?companyName=${encodeURIComponent(companyName)}&id=${id}`, signingKey: key };
    },
    addTechnicianNote(ticketId, text, options) {
      if (!store.get("cw_tickets", ticketId)) return null;
      const flag = `${options?.kind ?? "internalAnalysis"}Flag` as const;
      const note = createNote(ctx, ticketId, { text, [flag]: true }, { member: TECHNICIAN, site: lastSite });
      return serializeNote(note, lastSite);
    },
    openTicketIds() {
      return store
        .list("cw_tickets")
        .filter((t) => t.closedFlag !== true)
        .map((t) => Number(t.id));
    },
  };
}
