import { beforeAll, describe, expect, it } from "vitest";
import { companyId, createTicket, cw, expectContract, json, resetSandbox, type Ticket } from "./helpers";

let contoso: number;
beforeAll(async () => {
  await resetSandbox();
  contoso = await companyId("Contoso Dental");
});

describe("POST /service/tickets", () => {
  it("creates a ticket with defaults, reference objects and audit fields", async () => {
    const res = await cw("/service/tickets", {
      method: "POST",
      body: { summary: "Cluster offline", company: { id: contoso }, externalXRef: "PORTAL-1", initialDescription: "It stopped." },
    });
    const t = await expectContract<Ticket>(res, "POST", "/service/tickets", 201);
    expect(t.summary).toBe("Cluster offline");
    expect(t.company).toMatchObject({ id: contoso, identifier: "ContosoDental", name: "Contoso Dental" });
    expect(t.company._info).toEqual({ company_href: `http://localhost:8788/cw/v4_6_release/apis/3.0/company/companies/${contoso}` });
    expect(t.board.name).toBe("Easy Connect Support");
    expect(t.status.name).toBe("New");
    expect(t.priority.name).toBe("Priority 3 - Normal Response");
    expect(t.closedFlag).toBe(false);
    expect(t.externalXRef).toBe("PORTAL-1");
    expect(t._info).toMatchObject({ enteredBy: "psa-sync-api", updatedBy: "psa-sync-api" });
    expect(t._info.lastUpdated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(t._info.dateEntered).toBe(t._info.lastUpdated);
    expect(t).not.toHaveProperty("initialDescription");
  });

  it("turns initialDescription into the first note (Discussion) and never returns it", async () => {
    const t = await createTicket({
      summary: "With description",
      company: { id: contoso },
      initialDescription: "Customer text",
      initialInternalAnalysis: "Tech text",
    });
    const got = await expectContract<Ticket>(await cw(`/service/tickets/${t.id}`), "GET", "/service/tickets/{id}", 200);
    expect(got).not.toHaveProperty("initialDescription");
    expect(got).not.toHaveProperty("initialInternalAnalysis");
    const notes = await json<{ text: string; detailDescriptionFlag: boolean; internalAnalysisFlag: boolean; createdBy: string }[]>(
      await cw(`/service/tickets/${t.id}/notes`),
    );
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatchObject({ text: "Customer text", detailDescriptionFlag: true, internalAnalysisFlag: false, createdBy: "psa-sync-api" });
    expect(notes[1]).toMatchObject({ text: "Tech text", detailDescriptionFlag: false, internalAnalysisFlag: true });
  });

  it("accepts references by name or identifier", async () => {
    const t = await createTicket({
      summary: "By name",
      company: { identifier: "FabrikamLegal" },
      board: { name: "Help Desk" },
      status: { name: "Assigned" },
      priority: { name: "Priority 1 - Emergency Response" },
    });
    expect(t.company.name).toBe("Fabrikam Legal");
    expect(t.board.name).toBe("Help Desk");
    expect(t.status.name).toBe("Assigned");
    expect(t.priority.name).toBe("Priority 1 - Emergency Response");
  });

  it("rejects a summary over 100 characters with CW's 400 body, and accepts exactly 100", async () => {
    const res = await cw("/service/tickets", { method: "POST", body: { summary: "x".repeat(101), company: { id: contoso } } });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      code: "InvalidObject",
      message: "ticket object is invalid",
      errors: [{ code: "InvalidField", message: "The summary field has a maximum length of 100.", resource: "ticket", field: "summary" }],
    });
    const ok = await createTicket({ summary: "y".repeat(100), company: { id: contoso } });
    expect(ok.summary).toHaveLength(100);
  });

  it("rejects a missing company and an unknown status, creating nothing", async () => {
    const before = await json<{ count: number }>(await cw("/service/tickets/count"));
    const missing = await cw("/service/tickets", { method: "POST", body: { summary: "No company" } });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toEqual({
      code: "InvalidObject",
      message: "ticket object is invalid",
      errors: [{ code: "MissingRequiredField", message: "The company field is required.", resource: "ticket", field: "company" }],
    });
    const badStatus = await cw("/service/tickets", { method: "POST", body: { summary: "Bad status", company: { id: contoso }, status: { id: 99999 } } });
    expect(badStatus.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(badStatus)).errors[0]!.field).toBe("status");
    const notJson = await cw("/service/tickets", { method: "POST", body: "{not json" });
    expect(notJson.status).toBe(400);
    expect(await json(await cw("/service/tickets/count"))).toEqual(before);
  });

  it("sets closedFlag from the status's closedStatus", async () => {
    const t = await createTicket({ summary: "Closed on create", company: { id: contoso }, status: { name: "Resolved" } });
    expect(t.closedFlag).toBe(true);
    expect(t.closedBy).toBe("psa-sync-api");
  });
});

describe("PATCH /service/tickets/{id}", () => {
  it("applies replace operations with and without a leading slash", async () => {
    const t = await createTicket({ summary: "Patch me", company: { id: contoso } });
    const res = await cw(`/service/tickets/${t.id}`, {
      method: "PATCH",
      body: [
        { op: "replace", path: "/summary", value: "Patched" },
        { op: "replace", path: "priority", value: { name: "Priority 2 - Quick Response" } },
        { op: "add", path: "/externalXRef", value: "PORTAL-P" },
      ],
    });
    const p = await expectContract<Ticket>(res, "PATCH", "/service/tickets/{id}", 200);
    expect(p).toMatchObject({ summary: "Patched", externalXRef: "PORTAL-P" });
    expect(p.priority.name).toBe("Priority 2 - Quick Response");
    expect(p._info.dateEntered).toBe(t._info.dateEntered);
  });

  it("closes a ticket through /status/id and /status/name and reopens it", async () => {
    const t = await createTicket({ summary: "Close me", company: { id: contoso } });
    const statuses = await json<{ id: number; name: string }[]>(await cw(`/service/boards/${t.board.id}/statuses`));
    const closed = statuses.find((s) => s.name === "Closed")!;
    const byId = await json<Ticket>(await cw(`/service/tickets/${t.id}`, { method: "PATCH", body: [{ op: "replace", path: "/status/id", value: closed.id }] }));
    expect(byId.status.name).toBe("Closed");
    expect(byId.closedFlag).toBe(true);
    const byName = await json<Ticket>(
      await cw(`/service/tickets/${t.id}`, { method: "PATCH", body: [{ op: "replace", path: "/status/name", value: "In Progress" }] }),
    );
    expect(byName.status.name).toBe("In Progress");
    expect(byName.closedFlag).toBe(false);
  });

  it("moves to another company and removes optional fields", async () => {
    const t = await createTicket({ summary: "Move me", company: { id: contoso }, externalXRef: "X-1" });
    const res = await cw(`/service/tickets/${t.id}`, {
      method: "PATCH",
      body: [
        { op: "replace", path: "/company", value: { identifier: "NorthwindClinic" } },
        { op: "remove", path: "/externalXRef" },
      ],
    });
    const p = await json<Ticket>(res);
    expect(p.company.name).toBe("Northwind Clinic");
    expect(p).not.toHaveProperty("externalXRef");
  });

  it("rejects invalid operations and leaves the ticket unchanged", async () => {
    const t = await createTicket({ summary: "Keep me", company: { id: contoso } });
    const cases: unknown[] = [
      [{ op: "move", path: "/summary", from: "/x" }],
      [{ op: "replace", path: "/noSuchField", value: 1 }],
      [{ op: "replace", path: "/summary", value: "z".repeat(101) }],
      [{ op: "remove", path: "/company" }],
      [{ op: "replace", path: "/summary" }],
      { op: "replace", path: "/summary", value: "not an array" },
      [{ op: "replace", path: "/id", value: 5 }],
    ];
    for (const body of cases) {
      const res = await cw(`/service/tickets/${t.id}`, { method: "PATCH", body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = await json(res);
      expect(typeof err.code).toBe("string");
      expect(typeof err.message).toBe("string");
    }
    const after = await json<Ticket>(await cw(`/service/tickets/${t.id}`));
    expect(after.summary).toBe("Keep me");
    expect(after._info.lastUpdated).toBe(t._info.lastUpdated);
  });

  it("404s for an unknown ticket", async () => {
    const res = await cw("/service/tickets/424242", { method: "PATCH", body: [{ op: "replace", path: "/summary", value: "x" }] });
    expect(res.status).toBe(404);
  });
});

describe("PUT, DELETE and count", () => {
  it("PUT replaces the ticket, reverting unspecified fields", async () => {
    const t = await createTicket({ summary: "Put me", company: { id: contoso }, externalXRef: "PUT-1", priority: { name: "Priority 1 - Emergency Response" } });
    const res = await cw(`/service/tickets/${t.id}`, { method: "PUT", body: { summary: "Replaced", company: { id: contoso } } });
    const p = await expectContract<Ticket>(res, "PUT", "/service/tickets/{id}", 200);
    expect(p.summary).toBe("Replaced");
    expect(p).not.toHaveProperty("externalXRef");
    expect(p.priority.name).toBe("Priority 3 - Normal Response");
  });

  it("DELETE answers 204 and the ticket and its notes are gone", async () => {
    const t = await createTicket({ summary: "Delete me", company: { id: contoso }, initialDescription: "bye" });
    const before = await json<{ count: number }>(await cw("/service/tickets/count"));
    const res = await cw(`/service/tickets/${t.id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect((await cw(`/service/tickets/${t.id}`)).status).toBe(404);
    expect((await cw(`/service/tickets/${t.id}/notes`)).status).toBe(404);
    const after = await expectContract<{ count: number }>(await cw("/service/tickets/count"), "GET", "/service/tickets/count", 200);
    expect(after.count).toBe(before.count - 1);
  });

  it("finds a ticket by externalXRef, as a retried create does", async () => {
    await createTicket({ summary: "Xref", company: { id: contoso }, externalXRef: "zd-77" });
    const res = await cw(`/service/tickets?conditions=${encodeURIComponent('externalXRef="zd-77"')}`);
    const list = await expectContract<Ticket[]>(res, "GET", "/service/tickets", 200);
    expect(list.map((t) => t.summary)).toEqual(["Xref"]);
    const count = await json(await cw(`/service/tickets/count?conditions=${encodeURIComponent('externalXRef="zd-77"')}`));
    expect(count).toEqual({ count: 1 });
  });

  it("serves the seeded tickets", async () => {
    const list = await json<Ticket[]>(await cw(`/service/tickets?conditions=${encodeURIComponent('summary like "Cluster CZJ1234ABC*"')}`));
    expect(list).toHaveLength(1);
    expect(list[0]!.status.name).toBe("In Progress");
    const notes = await json<{ createdBy: string }[]>(await cw(`/service/tickets/${list[0]!.id}/notes`));
    expect(notes.map((n) => n.createdBy)).toEqual(["psa-sync-api", "jparker"]);
  });
});
