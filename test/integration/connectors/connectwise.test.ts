import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createConnectWiseClient, lookupCodebase } from "../../../src/connectors/connectwise";
import type { ConnectWiseClient } from "../../../src/connectors/types";
import { AppError } from "../../../src/lib/errors";
import type { Ref } from "../../../src/domain/model";
import { DEMO_CATCH_ALL_COMPANY, DEMO_CLUSTERS, DEMO_CONNECTWISE } from "../../../sandbox/src/demo-data";
import { routeFetchToSandbox, SANDBOX_ORIGIN, sandboxControl } from "../../setup/sandbox";
import { technician } from "../../setup/sandbox-actors";
import { addFault, lastRequestId, sandboxRequests, viaGlobalFetch } from "./helpers";

const SITE = `${SANDBOX_ORIGIN}/cw`;
const make = (overrides: Partial<Parameters<typeof createConnectWiseClient>[0]> = {}) =>
  createConnectWiseClient({ fetch: viaGlobalFetch, site: SITE, ...DEMO_CONNECTWISE, ...overrides });
const byName = (refs: Ref[], name: string) => refs.find((r) => r.name === name);

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("ConnectWise client against the sandbox", () => {
  let spy: ReturnType<typeof routeFetchToSandbox>;
  let cw: ConnectWiseClient;
  let boardId: number;
  let companyId: number;

  beforeAll(async () => {
    await sandboxControl("/reset", { method: "POST" });
  });
  beforeEach(async () => {
    spy = routeFetchToSandbox();
    cw = make();
    const board = byName(await cw.listBoards(), "Easy Connect Support");
    const company = (await cw.listCompanies({ search: DEMO_CATCH_ALL_COMPANY, pageSize: 5 }))[0];
    boardId = board!.id;
    companyId = company!.id;
  });
  afterEach(async () => {
    spy.mockRestore();
    await sandboxControl("/faults", { method: "DELETE" });
  });

  const createTicket = (xref = `portal-${crypto.randomUUID()}`) =>
    cw.createTicket({ summary: "Cluster offline", initialDescription: "Node 2 is unreachable since 09:00.", boardId, companyId, externalXRef: xref });

  it("looks up the codebase", async () => {
    expect(await lookupCodebase({ fetch: viaGlobalFetch, site: SITE, companyId: "acme" })).toBe("v4_6_release/");
    expect((await errorOf(lookupCodebase({ fetch: viaGlobalFetch, site: SITE, companyId: "nobody" }))).code).toBe("not_found");
  });

  it("creates a ticket whose initial description is its first Discussion note, then finds it by externalXRef", async () => {
    const xref = `portal-${crypto.randomUUID()}`;
    const created = await createTicket(xref);
    expect(created).toMatchObject({ summary: "Cluster offline", externalXRef: xref, board: { id: boardId }, company: { id: companyId }, closedFlag: false });
    expect(created.lastUpdated).not.toBe("");
    expect(await cw.findTicketByExternalXRef(xref)).toEqual(created);
    expect(await cw.findTicketByExternalXRef(`${xref}-other`)).toBeNull();
    expect(await cw.findTicketByExternalXRef('x" or id>0 or summary="')).toBeNull();
    expect(await cw.getTicket(created.id)).toEqual(created);
    expect(await cw.getTicket(99_999_999)).toBeNull();

    const notes = await cw.listNotes(created.id, 0);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ text: "Node 2 is unreachable since 09:00.", detailDescriptionFlag: true, internalAnalysisFlag: false });
  });

  it("patches a ticket with JSON Patch", async () => {
    const ticket = await createTicket();
    const statuses = await cw.listBoardStatuses(boardId);
    const priorities = await cw.listPriorities();
    const status = statuses.find((s) => s.name === "In Progress")!;
    const priority = priorities.find((p) => p.name.startsWith("Priority 1"))!;
    const patched = await cw.patchTicket(ticket.id, [
      { op: "replace", path: "status", value: { id: status.id } },
      { op: "replace", path: "priority", value: { id: priority.id } },
      { op: "replace", path: "summary", value: "Cluster offline (node 2)" },
    ]);
    expect(patched).toMatchObject({ summary: "Cluster offline (node 2)", status: { id: status.id, name: "In Progress" }, priority: { id: priority.id } });
    const closed = statuses.find((s) => s.closedStatus)!;
    expect((await cw.patchTicket(ticket.id, [{ op: "replace", path: "status", value: { id: closed.id } }])).closedFlag).toBe(true);
  });

  it("adds internal notes and lists only those after an id, oldest first", async () => {
    const ticket = await createTicket();
    const [description] = await cw.listNotes(ticket.id, 0);
    const a = await cw.addNote(ticket.id, { text: "first mirrored comment", internalAnalysisFlag: true });
    const b = await cw.addNote(ticket.id, { text: 'second, with "quotes" and \\ backslash', internalAnalysisFlag: true });
    expect(a).toMatchObject({ internalAnalysisFlag: true, detailDescriptionFlag: false, text: "first mirrored comment" });
    expect(b.id).toBeGreaterThan(a.id);
    expect((await cw.listNotes(ticket.id, description!.id)).map((n) => n.id)).toEqual([a.id, b.id]);
    expect((await cw.listNotes(ticket.id, a.id)).map((n) => n.text)).toEqual(['second, with "quotes" and \\ backslash']);
    // Incremental, plus an older note still watched (the description note keeps its id when edited).
    expect((await cw.listNotes(ticket.id, a.id, [description!.id])).map((n) => n.id)).toEqual([description!.id, b.id]);
    expect(await cw.listNotes(ticket.id, b.id)).toEqual([]);
  });

  it("reads tickets by id in one call; a deleted one is simply absent", async () => {
    const [one, two, gone] = [await createTicket(), await createTicket(), await createTicket()];
    await technician.deleteTicket(gone.id);
    const calls = cw.calls;
    expect((await cw.getTickets([two.id, gone.id, one.id])).map((t) => t.id)).toEqual([one.id, two.id]);
    expect(cw.calls - calls).toBe(1);
  });

  it("lists linked tickets updated since a time, by externalXRef prefix", async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    const prefix = `psa-sync:list-${Date.now()}:`;
    const t1 = await createTicket(`${prefix}1`);
    const t2 = await createTicket(`${prefix}2`);
    await createTicket(`other:${prefix}3`);
    const page = await cw.listLinkedTicketsUpdatedSince({ xrefPrefix: prefix, since: before, page: 1, pageSize: 1 });
    expect(page.tickets.map((t) => t.id)).toEqual([t1.id]);
    expect(page.hasMore).toBe(true);
    const next = await cw.listLinkedTicketsUpdatedSince({ xrefPrefix: prefix, since: before, page: 2, pageSize: 1 });
    expect(next).toEqual({ tickets: [expect.objectContaining({ id: t2.id })], hasMore: false });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await cw.listLinkedTicketsUpdatedSince({ xrefPrefix: prefix, since: future, page: 1, pageSize: 10 })).tickets).toEqual([]);
  });

  it("finds configurations by each match field, and never by an injected condition", async () => {
    const [cluster] = DEMO_CLUSTERS;
    const bySerial = await cw.findConfiguration("serialNumber", cluster.clusterId);
    expect(bySerial).toMatchObject({ name: cluster.configuration, company: { name: cluster.company } });
    expect(await cw.findConfiguration("tagNumber", cluster.tagNumber)).toEqual(bySerial);
    expect(await cw.findConfiguration("name", cluster.configuration)).toEqual(bySerial);
    expect(await cw.findConfiguration("serialNumber", "CZJ0000ZZZ")).toBeNull();
    for (const hostile of ['x" or id>0 or serialNumber="', "\\", `${cluster.clusterId}\\`, `${cluster.clusterId}" or "1"="1`]) {
      expect(await cw.findConfiguration("serialNumber", hostile)).toBeNull();
    }
  });

  it("attaches a configuration, and attaching it again is not an error", async () => {
    const ticket = await createTicket();
    const config = (await cw.findConfiguration("serialNumber", DEMO_CLUSTERS[1].clusterId))!;
    await cw.attachConfiguration(ticket.id, config.id);
    await cw.attachConfiguration(ticket.id, config.id);
    expect((await errorOf(cw.attachConfiguration(ticket.id, 987_654))).code).toBe("invalid_payload");
  });

  it("lists the catalog for the settings screen", async () => {
    const priorities = await cw.listPriorities();
    expect(priorities.map((p) => p.name)).toContain("Priority 3 - Normal Response");
    expect((await cw.listBoards()).map((b) => b.name)).toEqual(expect.arrayContaining(["Easy Connect Support", "Help Desk"]));
    const statuses = await cw.listBoardStatuses(boardId);
    expect(statuses.find((s) => s.name === "Closed")).toMatchObject({ closedStatus: true, inactive: false });
    const companies = await cw.listCompanies({ pageSize: 100 });
    expect(companies.map((c) => c.name)).toEqual(expect.arrayContaining(["Acme MSP", DEMO_CATCH_ALL_COMPANY, "Contoso Dental"]));
    expect((await cw.listCompanies({ search: "contoso", pageSize: 10 })).map((c) => c.name)).toEqual(["Contoso Dental"]);
    expect(await cw.listCompanies({ search: '" or id>0 or name="', pageSize: 10 })).toEqual([]);
  });

  it("counts every call the sandbox saw", async () => {
    const since = await lastRequestId("connectwise");
    const client = make();
    await client.listPriorities();
    await client.getTicket(99_999_999);
    await client.findConfiguration("serialNumber", "nope");
    expect(client.calls).toBe(3);
    expect(await sandboxRequests("connectwise", since)).toHaveLength(3);
  });

  it("maps bad credentials and a missing clientId", async () => {
    expect((await errorOf(make({ privateKey: "wrong" }).listPriorities())).code).toBe("unauthorized");
    expect((await errorOf(make({ clientId: "someone-else" }).listPriorities())).code).toBe("forbidden");
  });

  describe("under injected faults", () => {
    const fault = (kinds: string[], extra: Record<string, unknown> = {}) =>
      addFault({ api: "connectwise", rate: 1, kinds, pathContains: "/service/priorities", ...extra });

    it("429 → rate_limited with the Retry-After seconds", async () => {
      await fault(["429"], { retryAfterSeconds: 7 });
      const since = await lastRequestId("connectwise");
      const client = make();
      const err = await errorOf(client.listPriorities());
      expect(err).toMatchObject({ code: "rate_limited", retryAfter: 7 });
      expect(client.calls).toBe(1);
      expect(await sandboxRequests("connectwise", since)).toEqual([expect.objectContaining({ status: 429, fault: "429" })]);
    });

    it("503 → upstream_unavailable", async () => {
      await fault(["503"]);
      expect((await errorOf(make().listPriorities())).code).toBe("upstream_unavailable");
    });

    it("a truncated body → upstream_unavailable", async () => {
      await fault(["truncate"]);
      const err = await errorOf(make().listPriorities());
      expect(err.code).toBe("upstream_unavailable");
      expect(err.retryable).toBe(true);
    });

    it("a dropped connection → upstream_unavailable", async () => {
      await fault(["drop"]);
      expect((await errorOf(make().listPriorities())).code).toBe("upstream_unavailable");
    });

    it("a hung response → upstream_unavailable at the client's timeout", async () => {
      await fault(["hang"], { hangMs: 5_000 });
      const err = await errorOf(make({ timeoutMs: 200 }).listPriorities());
      expect(err.code).toBe("upstream_unavailable");
      expect(err.message).toMatch(/timed out after 200 ms/);
    });

    it("works again once the faults are cleared", async () => {
      await fault(["503"]);
      await sandboxControl("/faults", { method: "DELETE" });
      expect((await make().listPriorities()).length).toBeGreaterThan(0);
    });
  });
});
