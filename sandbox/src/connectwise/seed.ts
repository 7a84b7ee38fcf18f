import { DEMO_CATCH_ALL_COMPANY, DEMO_CLUSTERS } from "../demo-data";
import { CONFIGURATION_STATUSES, CONFIGURATION_TYPES } from "./catalog";
import { rotateSigningKey } from "./callback-delivery";
import { API_MEMBER, DEFAULT_SITE, stampCreated, TECHNICIAN, type Actor, type CwContext } from "./context";
import type { JsonObject } from "./json";
import { createNote } from "./notes";
import { createTicket } from "./tickets";

export const MSP_COMPANY = { identifier: "AcmeMSP", name: "Acme MSP" } as const;
const SUPPORT_BOARD = "Easy Connect Support";
const SECOND_BOARD = "Help Desk";
/** CW's out-of-the-box priority names. */
const PRIORITIES = [
  { name: "Priority 1 - Emergency Response", color: "Red", level: "Critical", sortOrder: 1 },
  { name: "Priority 2 - Quick Response", color: "Orange", level: "High", sortOrder: 2 },
  { name: "Priority 3 - Normal Response", color: "Blue", level: "Medium", sortOrder: 3, defaultFlag: true },
  { name: "Priority 4 - Schedule Maintenance", color: "Green", level: "Low", sortOrder: 4 },
] as const;
const SUPPORT_STATUSES = [
  { name: "New", defaultFlag: true, closedStatus: false, escalationStatus: "NotResponded" },
  { name: "In Progress", closedStatus: false, escalationStatus: "Responded" },
  { name: "Waiting on Customer", closedStatus: false, escalationStatus: "Responded" },
  { name: "Resolved", closedStatus: true, escalationStatus: "Resolved" },
  { name: "Closed", closedStatus: true, escalationStatus: "Resolved" },
] as const;
const HELP_DESK_STATUSES = [
  { name: "New", defaultFlag: true, closedStatus: false, escalationStatus: "NotResponded" },
  { name: "Assigned", closedStatus: false, escalationStatus: "Responded" },
  { name: "Completed", closedStatus: true, escalationStatus: "Resolved" },
] as const;

const identifierOf = (name: string) => name.replace(/[^A-Za-z0-9]/g, "");

/** The demo dataset for "Acme MSP". Expects empty tables. */
export function seed(ctx: CwContext): void {
  const { store } = ctx;
  const info = () => stampCreated(ctx.now(), API_MEMBER);
  const companyIds = new Map<string, JsonObject>();
  const addCompany = (identifier: string, name: string, type: string, id?: number) => {
    const doc = store.insert(
      "cw_companies",
      {
        identifier,
        name,
        status: { id: 1, name: "Active" },
        types: [{ id: type === "Owner" ? 1 : 2, name: type }],
        city: "Springfield",
        state: "IL",
        deletedFlag: false,
        _info: info(),
      },
      null,
      id,
    );
    companyIds.set(name, { id: doc.id ?? null, identifier, name });
  };
  addCompany(MSP_COMPANY.identifier, MSP_COMPANY.name, "Owner", 250);
  for (const name of new Set(DEMO_CLUSTERS.map((c) => c.company))) addCompany(identifierOf(name), name, "Customer");
  addCompany(identifierOf(DEMO_CATCH_ALL_COMPANY), DEMO_CATCH_ALL_COMPANY, "Customer");

  for (const cluster of DEMO_CLUSTERS) {
    store.insert("cw_configurations", {
      name: cluster.configuration,
      type: { ...CONFIGURATION_TYPES[0] },
      status: { ...CONFIGURATION_STATUSES[0] },
      company: companyIds.get(cluster.company) ?? null,
      serialNumber: cluster.clusterId,
      tagNumber: cluster.tagNumber,
      deviceIdentifier: `ec-${cluster.clusterId.toLowerCase()}`,
      modelNumber: "EC-3000",
      activeFlag: true,
      _info: info(),
    });
  }
  for (const p of PRIORITIES) store.insert("cw_priorities", { defaultFlag: false, ...p, _info: info() });

  const addBoard = (name: string, statuses: readonly JsonObject[]) => {
    const board = store.insert("cw_boards", {
      name,
      location: { id: 1, name: "Main" },
      department: { id: 1, name: "Service" },
      inactiveFlag: false,
      projectFlag: false,
      _info: info(),
    });
    for (const [i, s] of statuses.entries()) {
      store.insert(
        "cw_statuses",
        { defaultFlag: false, inactive: false, displayOnBoard: true, ...s, sortOrder: i, board: { id: board.id ?? null, name }, _info: info() },
        board.id as number,
      );
    }
  };
  addBoard(SUPPORT_BOARD, SUPPORT_STATUSES);
  addBoard(SECOND_BOARD, HELP_DESK_STATUSES);
  rotateSigningKey(store);

  const api: Actor = { member: API_MEMBER, site: DEFAULT_SITE };
  const tech: Actor = { member: TECHNICIAN, site: DEFAULT_SITE };
  const first = createTicket(
    ctx,
    {
      summary: "Cluster CZJ1234ABC offline after firmware update",
      company: { id: companyIds.get("Contoso Dental")?.id ?? null },
      board: { name: SUPPORT_BOARD },
      status: { name: "In Progress" },
      priority: { name: "Priority 2 - Quick Response" },
      initialDescription: "Both nodes stopped answering after last night's firmware update.",
    },
    api,
  );
  createNote(ctx, first.id as number, { text: "Rolled node 2 back to the previous firmware; watching it.", internalAnalysisFlag: true }, tech);
  createTicket(
    ctx,
    {
      summary: "Request: add a second admin account",
      company: { id: companyIds.get("Fabrikam Legal")?.id ?? null },
      board: { name: SUPPORT_BOARD },
      initialDescription: "Please add j.doe@fabrikam.test as an administrator.",
    },
    api,
  );
}
