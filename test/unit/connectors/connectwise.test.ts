import { describe, expect, it } from "vitest";
import { createConnectWiseClient } from "../../../src/connectors/connectwise";
import { toCwNote, toCwTicket } from "../../../src/connectors/connectwise/normalise";
import { hasNextPage } from "../../../src/connectors/connectwise/paging";
import { ticketSchema } from "../../../src/connectors/connectwise/schemas";
import { AppError } from "../../../src/lib/errors";
import { json, scriptedFetch } from "./fake-fetch";

const make = (fetch: ReturnType<typeof scriptedFetch>) =>
  createConnectWiseClient({
    fetch,
    site: "https://cw.example/",
    companyId: "acme",
    publicKey: "pub",
    privateKey: "priv",
    clientId: "cid",
    codebase: "v2025_1",
  });

describe("ConnectWise normalisation", () => {
  it("maps references by name, or identifier when there is no name, and tolerates gaps", () => {
    const t = ticketSchema.parse({
      id: 7,
      summary: "S",
      company: { id: 3, identifier: "Contoso" },
      board: { id: 1, name: "Help Desk", _info: {} },
      status: { id: null, name: "ghost" },
      extra: [1, 2],
      _info: { lastUpdated: "2026-04-01T12:00:00Z" },
    });
    expect(toCwTicket(t)).toEqual({
      id: 7,
      summary: "S",
      board: { id: 1, name: "Help Desk" },
      status: null,
      priority: null,
      company: { id: 3, name: "Contoso" },
      externalXRef: null,
      closedFlag: false,
      mergedParentTicketId: null,
      lastUpdated: "2026-04-01T12:00:00Z",
      enteredBy: null,
    });
    // A ticket merged into another names its parent.
    expect(toCwTicket(ticketSchema.parse({ id: 8, closedFlag: true, mergedParentTicket: { id: 7, summary: "S" } })).mergedParentTicketId).toBe(7);
  });

  it("defaults note flags and reads lastUpdated from _info", () => {
    expect(toCwNote({ id: 4, text: null, dateCreated: "d", _info: { lastUpdated: "l" } })).toEqual({
      id: 4,
      text: "",
      detailDescriptionFlag: false,
      internalAnalysisFlag: false,
      resolutionFlag: false,
      createdBy: null,
      dateCreated: "d",
      lastUpdated: "l",
    });
  });

  it("reads rel=next from a Link header", () => {
    expect(hasNextPage('<https://x/t?page=2>; rel="next", <https://x/t?page=4>; rel="last"')).toBe(true);
    expect(hasNextPage('<https://x/t?page=1>; rel="first", <https://x/t?page=1>; rel="prev"')).toBe(false);
    expect(hasNextPage(null)).toBe(false);
  });
});

describe("ConnectWise client requests", () => {
  it("sends the auth, clientId and pinned version headers to the codebase URL", async () => {
    const fetch = scriptedFetch(json({ id: 7, summary: "S" }));
    await make(fetch).getTicket(7);
    const seen = fetch.seen[0]!;
    expect(seen.url).toBe("https://cw.example/v2025_1/apis/3.0/service/tickets/7");
    expect(seen.headers.get("authorization")).toBe(`Basic ${btoa("acme+pub:priv")}`);
    expect(seen.headers.get("clientid")).toBe("cid");
    expect(seen.headers.get("accept")).toBe("application/vnd.connectwise.com+json; version=2026.4");
  });

  it("escapes a hostile ClusterID inside the conditions parameter", async () => {
    const fetch = scriptedFetch(json([]));
    expect(await make(fetch).findConfiguration("serialNumber", 'x" or id>0 or summary="')).toBeNull();
    const url = new URL(fetch.seen[0]!.url);
    expect(url.searchParams.get("conditions")).toBe('serialNumber="x\\" or id>0 or summary=\\""');
    expect(url.searchParams.get("pageSize")).toBe("1");
  });

  it("always sends processNotifications: false on notes", async () => {
    const fetch = scriptedFetch(json({ id: 9, text: "t", internalAnalysisFlag: true }, 201));
    await make(fetch).addNote(7, { text: "t", internalAnalysisFlag: true });
    expect(JSON.parse(fetch.seen[0]!.body)).toEqual({
      text: "t",
      internalAnalysisFlag: true,
      detailDescriptionFlag: false,
      resolutionFlag: false,
      processNotifications: false,
    });
  });

  it("treats an already attached configuration as success, other 400s as errors", async () => {
    const exists = {
      code: "InvalidObject",
      message: "configurationReference object is invalid",
      errors: [{ code: "ObjectExists", message: "already attached", resource: "configurationReference", field: "id" }],
    };
    await expect(make(scriptedFetch(json(exists, 400))).attachConfiguration(7, 3)).resolves.toBeUndefined();
    const missing = { ...exists, errors: [{ code: "InvalidField", message: "Configuration 3 was not found.", field: "id" }] };
    await expect(make(scriptedFetch(json(missing, 400))).attachConfiguration(7, 3)).rejects.toMatchObject({ code: "invalid_payload" });
  });

  it("lists the tenant's linked tickets by externalXRef prefix, oldest change first", async () => {
    const fetch = scriptedFetch(json([{ id: 100001, summary: "x" }], 200, { Link: '<https://cw.example/x?page=2>; rel="next"' }));
    const page = await make(fetch).listLinkedTicketsUpdatedSince({ xrefPrefix: "psa-sync:t1:", since: "2026-01-01T00:00:00Z", page: 1, pageSize: 1000 });
    expect(page.hasMore).toBe(true);
    const url = new URL(fetch.seen[0]!.url);
    expect(url.searchParams.get("conditions")).toBe('(externalXRef like "psa-sync:t1:*") and (lastUpdated>=[2026-01-01T00:00:00Z])');
    expect(url.searchParams.get("orderBy")).toBe("_info/lastUpdated asc");
    await expect(
      make(scriptedFetch()).listLinkedTicketsUpdatedSince({ xrefPrefix: "x*", since: "2026-01-01T00:00:00Z", page: 1, pageSize: 10 }),
    ).rejects.toMatchObject({ code: "invalid_payload" });
  });

  it("rejects ids that are not positive integers before any call", async () => {
    const fetch = scriptedFetch();
    await expect(make(fetch).getTicket(-1)).rejects.toBeInstanceOf(AppError);
    await expect(make(fetch).getTicket(1.5)).rejects.toBeInstanceOf(AppError);
    expect(fetch.seen).toHaveLength(0);
  });

  it("refuses a list whose items have the wrong types", async () => {
    await expect(make(scriptedFetch(json([{ id: "1", name: "x" }]))).listPriorities()).rejects.toMatchObject({ code: "invalid_payload" });
    await expect(make(scriptedFetch(json({ not: "an array" }))).listPriorities()).rejects.toMatchObject({ code: "invalid_payload" });
  });
});
