import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_CATCH_ALL_COMPANY, DEMO_CLUSTERS } from "../../src/demo-data";
import { cw, expectContract, json, resetSandbox } from "./helpers";

beforeAll(resetSandbox);

type Named = { id: number; name: string; [key: string]: unknown };

describe("catalog lists, items and counts", () => {
  const resources = [
    ["/company/companies", 5],
    ["/company/configurations", DEMO_CLUSTERS.length],
    ["/service/priorities", 4],
    ["/service/boards", 2],
  ] as const;

  for (const [path, seeded] of resources) {
    it(`GET ${path}, /{id} and /count match the contract`, async () => {
      const list = await expectContract<Named[]>(await cw(path), "GET", path, 200);
      expect(list).toHaveLength(seeded);
      const one = await expectContract<Named>(await cw(`${path}/${list[0]!.id}`), "GET", `${path}/{id}`, 200);
      expect(one.id).toBe(list[0]!.id);
      expect(await expectContract(await cw(`${path}/count`), "GET", `${path}/count`, 200)).toEqual({ count: seeded });
      expect((await cw(`${path}/987654`)).status).toBe(404);
    });
  }

  it("seeds the MSP, every customer and the catch-all company", async () => {
    const names = (await json<Named[]>(await cw("/company/companies"))).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["Acme MSP", DEMO_CATCH_ALL_COMPANY, ...DEMO_CLUSTERS.map((c) => c.company)]));
    const [catchAll] = await json<{ identifier: string }[]>(
      await cw(`/company/companies?conditions=${encodeURIComponent(`name="${DEMO_CATCH_ALL_COMPANY}"`)}`),
    );
    expect(catchAll!.identifier).toBe("AcmeMSPCatchAll");
  });

  it("finds each ClusterID's configuration by serialNumber, name, tagNumber and deviceIdentifier", async () => {
    for (const cluster of DEMO_CLUSTERS) {
      for (const cond of [`serialNumber="${cluster.clusterId}"`, `name="${cluster.configuration}"`, `tagNumber="${cluster.tagNumber}"`]) {
        const list = await json<{ serialNumber: string; company: { name: string } }[]>(
          await cw(`/company/configurations?conditions=${encodeURIComponent(cond)}`),
        );
        expect(list, cond).toHaveLength(1);
        expect(list[0]).toMatchObject({ serialNumber: cluster.clusterId, company: { name: cluster.company } });
      }
    }
    const none = await json<unknown[]>(await cw(`/company/configurations?conditions=${encodeURIComponent('serialNumber="CZJ0000ZZZ"')}`));
    expect(none).toEqual([]);
    const byDevice = await json<unknown[]>(await cw(`/company/configurations?conditions=${encodeURIComponent('deviceIdentifier like "ec-*"')}`));
    expect(byDevice).toHaveLength(DEMO_CLUSTERS.length);
  });

  it("orders priorities by sortOrder with CW's names", async () => {
    const list = await json<Named[]>(await cw("/service/priorities?orderBy=sortOrder%20asc"));
    expect(list.map((p) => p.name)).toEqual([
      "Priority 1 - Emergency Response",
      "Priority 2 - Quick Response",
      "Priority 3 - Normal Response",
      "Priority 4 - Schedule Maintenance",
    ]);
  });
});

describe("board statuses", () => {
  it("lists the support board's statuses with closedStatus, counts them and deletes one", async () => {
    const [board] = await json<Named[]>(await cw(`/service/boards?conditions=${encodeURIComponent('name="Easy Connect Support"')}`));
    const path = `/service/boards/${board!.id}/statuses`;
    const statuses = await expectContract<(Named & { closedStatus: boolean; inactive: boolean })[]>(
      await cw(path),
      "GET",
      "/service/boards/{parentId}/statuses",
      200,
    );
    expect(statuses.map((s) => [s.name, s.closedStatus])).toEqual([
      ["New", false],
      ["In Progress", false],
      ["Waiting on Customer", false],
      ["Resolved", true],
      ["Closed", true],
    ]);
    const closed = await json<Named[]>(await cw(`${path}?conditions=closedStatus=true`));
    expect(closed.map((s) => s.name)).toEqual(["Resolved", "Closed"]);

    const created = await cw(path, { method: "POST", body: { name: "Escalated", sortOrder: 9 } });
    const status = await expectContract<Named & { board: { id: number } }>(created, "POST", "/service/boards/{parentId}/statuses", 201);
    expect(status.board.id).toBe(board!.id);
    await expectContract(await cw(`${path}/${status.id}`), "GET", "/service/boards/{parentId}/statuses/{id}", 200);
    expect(await expectContract(await cw(`${path}/count`), "GET", "/service/boards/{parentId}/statuses/count", 200)).toEqual({ count: 6 });

    expect((await cw(`${path}/${status.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await cw(`${path}/${status.id}`)).status).toBe(404);
    // A deleted status can no longer be set on a ticket.
    const res = await cw("/service/tickets", { method: "POST", body: { summary: "x", company: { identifier: "ContosoDental" }, status: { id: status.id } } });
    expect(res.status).toBe(400);
    // A status of another board is not found under this board.
    const [other] = await json<Named[]>(await cw(`/service/boards?conditions=${encodeURIComponent('name="Help Desk"')}`));
    expect((await cw(`${path}/${statuses[0]!.id}`)).status).toBe(200);
    expect((await cw(`/service/boards/${other!.id}/statuses/${statuses[0]!.id}`)).status).toBe(404);
  });

  it("rejects a status without a name", async () => {
    const [board] = await json<Named[]>(await cw("/service/boards"));
    const res = await cw(`/service/boards/${board!.id}/statuses`, { method: "POST", body: { closedStatus: true } });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({
      code: "InvalidObject",
      message: "boardStatus object is invalid",
      errors: [{ field: "name", code: "MissingRequiredField" }],
    });
  });
});

describe("configuration and company writes", () => {
  it("creates, patches and deletes a configuration", async () => {
    const res = await cw("/company/configurations", {
      method: "POST",
      body: { name: "EC-New-01", type: { id: 1 }, company: { identifier: "NorthwindClinic" }, serialNumber: "CZJNEW0001", tagNumber: "TAG-9" },
    });
    const config = await expectContract<Named & { serialNumber: string; company: { name: string } }>(res, "POST", "/company/configurations", 201);
    expect(config.company.name).toBe("Northwind Clinic");
    const patched = await cw(`/company/configurations/${config.id}`, {
      method: "PATCH",
      body: [{ op: "replace", path: "/serialNumber", value: "CZJNEW0002" }],
    });
    expect((await expectContract<{ serialNumber: string }>(patched, "PATCH", "/company/configurations/{id}", 200)).serialNumber).toBe("CZJNEW0002");
    expect((await cw(`/company/configurations/${config.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await cw(`/company/configurations/${config.id}`)).status).toBe(404);
    const invalid = await cw("/company/configurations", { method: "POST", body: { name: "No company", type: { id: 1 } } });
    expect(invalid.status).toBe(400);
  });

  it("creates a company and a priority", async () => {
    const company = await expectContract<Named>(
      await cw("/company/companies", { method: "POST", body: { identifier: "Wingtip", name: "Wingtip Toys" } }),
      "POST",
      "/company/companies",
      201,
    );
    expect(company.name).toBe("Wingtip Toys");
    const priority = await expectContract<Named>(
      await cw("/service/priorities", { method: "POST", body: { name: "Priority 5 - Whenever", color: "Gray" } }),
      "POST",
      "/service/priorities",
      201,
    );
    expect(priority.name).toBe("Priority 5 - Whenever");
    const badColor = await cw("/service/priorities", { method: "POST", body: { name: "P", color: "Mauve" } });
    expect(badColor.status).toBe(400);
  });
});
