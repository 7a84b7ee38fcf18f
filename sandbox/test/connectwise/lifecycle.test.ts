import { beforeAll, describe, expect, it } from "vitest";
import { cw, json, resetSandbox, type Ticket } from "./helpers";

/** Ticket lifecycles technicians cause: merge, board moves, deletion. */
beforeAll(resetSandbox);

const newTicket = async (summary: string) =>
  json<Ticket & { closedFlag: boolean; mergedParentTicket?: { id: number; summary: string } }>(
    await cw("/service/tickets", { method: "POST", body: { summary, company: { identifier: "ContosoDental" }, board: { name: "Easy Connect Support" } } }),
  );
const get = async (id: number) =>
  json<Ticket & { closedFlag: boolean; board: { name: string }; status: { name: string }; mergedParentTicket?: { id: number; summary: string } }>(
    await cw(`/service/tickets/${id}`),
  );

describe("merge", () => {
  it("closes each child with the given closed status and points it at the parent; the parent stays open", async () => {
    const parent = await newTicket("Parent");
    const child = await newTicket("Child");
    const res = await cw(`/service/tickets/${parent.id}/merge`, { method: "POST", body: { mergeTicketIds: [child.id], status: { name: "Closed" } } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect(await get(child.id)).toMatchObject({ closedFlag: true, status: { name: "Closed" }, mergedParentTicket: { id: parent.id, summary: "Parent" } });
    expect((await get(parent.id)).closedFlag).toBe(false);
    // A later write to the child keeps its merge reference (read-only to clients).
    await cw(`/service/tickets/${child.id}`, { method: "PATCH", body: [{ op: "replace", path: "summary", value: "Child, renamed" }] });
    expect((await get(child.id)).mergedParentTicket).toMatchObject({ id: parent.id });
  });

  it("refuses an open status, a ticket merged into itself, and unknown tickets", async () => {
    const parent = await newTicket("Parent 2");
    const child = await newTicket("Child 2");
    const open = await cw(`/service/tickets/${parent.id}/merge`, { method: "POST", body: { mergeTicketIds: [child.id], status: { name: "In Progress" } } });
    expect(open.status).toBe(400);
    expect((await get(child.id)).mergedParentTicket).toBeUndefined();
    expect(
      (await cw(`/service/tickets/${parent.id}/merge`, { method: "POST", body: { mergeTicketIds: [parent.id], status: { name: "Closed" } } })).status,
    ).toBe(400);
    expect((await cw(`/service/tickets/${parent.id}/merge`, { method: "POST", body: { mergeTicketIds: [999999], status: { name: "Closed" } } })).status).toBe(
      404,
    );
    expect((await cw(`/service/tickets/${parent.id}/merge`, { method: "POST", body: { status: { name: "Closed" } } })).status).toBe(400);
  });
});

describe("board moves", () => {
  it("a status of another board is refused with CW's 400; a move with a status of the new board is taken", async () => {
    const t = await newTicket("Move me");
    const wrong = await cw(`/service/tickets/${t.id}`, { method: "PATCH", body: [{ op: "replace", path: "board", value: { name: "Help Desk" } }] });
    expect(wrong.status).toBe(400);
    const moved = await cw(`/service/tickets/${t.id}`, {
      method: "PATCH",
      body: [
        { op: "replace", path: "board", value: { name: "Help Desk" } },
        { op: "replace", path: "status", value: { name: "Assigned" } },
      ],
    });
    expect(moved.status).toBe(200);
    expect(await get(t.id)).toMatchObject({ board: { name: "Help Desk" }, status: { name: "Assigned" } });
    const supportStatus = await cw(`/service/tickets/${t.id}`, {
      method: "PATCH",
      body: [{ op: "replace", path: "status", value: { name: "Waiting on Customer" } }],
    });
    expect(supportStatus.status).toBe(400);
  });
});

describe("deletion", () => {
  it("a deleted ticket and its notes are gone: 404 on read", async () => {
    const t = await newTicket("Delete me");
    expect((await cw(`/service/tickets/${t.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await cw(`/service/tickets/${t.id}`)).status).toBe(404);
    expect((await cw(`/service/tickets/${t.id}/notes`)).status).toBe(404);
  });
});
