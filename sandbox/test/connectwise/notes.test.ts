import { beforeAll, describe, expect, it } from "vitest";
import { companyId, createTicket, cw, expectContract, json, resetSandbox, type Ticket } from "./helpers";

type Note = {
  id: number;
  ticketId: number;
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: boolean;
  createdBy: string;
  dateCreated: string;
  _info: Record<string, string>;
};
let contoso: number;
beforeAll(async () => {
  await resetSandbox();
  contoso = await companyId("Contoso Dental");
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ticket notes", () => {
  it("creates, reads, updates and deletes notes with growing ids", async () => {
    const t = await createTicket({ summary: "Notes", company: { id: contoso }, initialDescription: "first" });
    const [initial] = await expectContract<Note[]>(await cw(`/service/tickets/${t.id}/notes`), "GET", "/service/tickets/{parentId}/notes", 200);
    expect(initial).toMatchObject({ ticketId: t.id, text: "first", detailDescriptionFlag: true });

    await wait(1100); // lastUpdated has whole-second resolution
    const res = await cw(`/service/tickets/${t.id}/notes`, {
      method: "POST",
      body: { text: "internal note", internalAnalysisFlag: true, processNotifications: false },
    });
    const note = await expectContract<Note>(res, "POST", "/service/tickets/{parentId}/notes", 201);
    expect(note.id).toBeGreaterThan(initial!.id);
    expect(note).toMatchObject({
      text: "internal note",
      internalAnalysisFlag: true,
      detailDescriptionFlag: false,
      resolutionFlag: false,
      createdBy: "psa-sync-api",
    });
    expect(note.dateCreated).toMatch(/Z$/);
    const ticket = await json<Ticket>(await cw(`/service/tickets/${t.id}`));
    expect(ticket._info.lastUpdated! > t._info.lastUpdated!).toBe(true);

    const got = await expectContract<Note>(await cw(`/service/tickets/${t.id}/notes/${note.id}`), "GET", "/service/tickets/{parentId}/notes/{id}", 200);
    expect(got.text).toBe("internal note");

    const patched = await cw(`/service/tickets/${t.id}/notes/${note.id}`, { method: "PATCH", body: [{ op: "replace", path: "/text", value: "edited" }] });
    expect((await expectContract<Note>(patched, "PATCH", "/service/tickets/{parentId}/notes/{id}", 200)).text).toBe("edited");
    const put = await cw(`/service/tickets/${t.id}/notes/${note.id}`, { method: "PUT", body: { text: "resolution now", resolutionFlag: true } });
    expect(await expectContract<Note>(put, "PUT", "/service/tickets/{parentId}/notes/{id}", 200)).toMatchObject({
      text: "resolution now",
      resolutionFlag: true,
      internalAnalysisFlag: false,
    });

    expect(await expectContract(await cw(`/service/tickets/${t.id}/notes/count`), "GET", "/service/tickets/{parentId}/notes/count", 200)).toEqual({ count: 2 });
    expect((await cw(`/service/tickets/${t.id}/notes/${note.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await cw(`/service/tickets/${t.id}/notes/${note.id}`)).status).toBe(404);
    expect(await json(await cw(`/service/tickets/${t.id}/notes/count`))).toEqual({ count: 1 });

    // A deleted note's id is never reused, on this ticket or any other.
    const other = await createTicket({ summary: "Other", company: { id: contoso } });
    const next = await json<Note>(await cw(`/service/tickets/${other.id}/notes`, { method: "POST", body: { text: "n", detailDescriptionFlag: true } }));
    expect(next.id).toBeGreaterThan(note.id);
  });

  it("filters notes with conditions, as pollers do for new notes", async () => {
    const t = await createTicket({ summary: "Poll", company: { id: contoso }, initialDescription: "d" });
    const [first] = await json<Note[]>(await cw(`/service/tickets/${t.id}/notes`));
    await cw(`/service/tickets/${t.id}/notes`, { method: "POST", body: { text: "later", internalAnalysisFlag: true } });
    const newer = await json<Note[]>(await cw(`/service/tickets/${t.id}/notes?conditions=${encodeURIComponent(`id > ${first!.id}`)}`));
    expect(newer.map((n) => n.text)).toEqual(["later"]);
    const internal = await json<Note[]>(await cw(`/service/tickets/${t.id}/notes?conditions=internalAnalysisFlag=true`));
    expect(internal.map((n) => n.text)).toEqual(["later"]);
  });

  it("rejects notes without text or type flag, and 404s for unknown tickets or notes", async () => {
    const t = await createTicket({ summary: "Bad notes", company: { id: contoso } });
    const noText = await cw(`/service/tickets/${t.id}/notes`, { method: "POST", body: { internalAnalysisFlag: true } });
    expect(noText.status).toBe(400);
    expect(await json(noText)).toMatchObject({ code: "InvalidObject", errors: [{ code: "MissingRequiredField", field: "text", resource: "serviceNote" }] });
    const noFlag = await cw(`/service/tickets/${t.id}/notes`, { method: "POST", body: { text: "x" } });
    expect(noFlag.status).toBe(400);
    expect((await cw("/service/tickets/999999/notes", { method: "POST", body: { text: "x", detailDescriptionFlag: true } })).status).toBe(404);
    const missing = await cw(`/service/tickets/${t.id}/notes/999999`);
    expect(await json(missing)).toEqual({ code: "NotFound", message: "Note 999999 not found" });
    const badPatch = await cw(`/service/tickets/${t.id}/notes/999999`, { method: "PATCH", body: [{ op: "replace", path: "/text", value: "x" }] });
    expect(badPatch.status).toBe(404);
  });
});

describe("ticket configurations", () => {
  it("attaches, lists, counts and detaches configurations", async () => {
    const t = await createTicket({ summary: "Configs", company: { id: contoso } });
    const [config] = await json<{ id: number; deviceIdentifier: string }[]>(
      await cw(`/company/configurations?conditions=${encodeURIComponent('serialNumber="CZJ1234ABC"')}`),
    );
    const res = await cw(`/service/tickets/${t.id}/configurations`, { method: "POST", body: { id: config!.id } });
    const ref = await expectContract<{ id: number; deviceIdentifier: string; _info: Record<string, string> }>(
      res,
      "POST",
      "/service/tickets/{parentId}/configurations",
      201,
    );
    expect(ref).toMatchObject({ id: config!.id, deviceIdentifier: config!.deviceIdentifier });
    expect(ref._info.configuration_href).toMatch(new RegExp(`/company/configurations/${config!.id}$`));

    const dup = await cw(`/service/tickets/${t.id}/configurations`, { method: "POST", body: { id: config!.id } });
    expect(dup.status).toBe(400);
    const unknown = await cw(`/service/tickets/${t.id}/configurations`, { method: "POST", body: { id: 987654 } });
    expect(unknown.status).toBe(400);

    const list = await expectContract<{ id: number }[]>(
      await cw(`/service/tickets/${t.id}/configurations`),
      "GET",
      "/service/tickets/{parentId}/configurations",
      200,
    );
    expect(list.map((c) => c.id)).toEqual([config!.id]);
    await expectContract(await cw(`/service/tickets/${t.id}/configurations/${config!.id}`), "GET", "/service/tickets/{parentId}/configurations/{id}", 200);
    expect(
      await expectContract(await cw(`/service/tickets/${t.id}/configurations/count`), "GET", "/service/tickets/{parentId}/configurations/count", 200),
    ).toEqual({ count: 1 });
    expect((await cw(`/service/tickets/${t.id}/configurations/${config!.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await json(await cw(`/service/tickets/${t.id}/configurations/count`))).toEqual({ count: 0 });
    expect((await cw(`/service/tickets/${t.id}/configurations/${config!.id}`, { method: "DELETE" })).status).toBe(404);
  });
});
