import { SELF } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cw, json, resetSandbox } from "./helpers";

const CONTROL = "http://localhost:8788/_sandbox";
const addFault = async (rule: Record<string, unknown>) => {
  const res = await SELF.fetch(`${CONTROL}/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ api: "connectwise", rate: 1, ...rule }),
  });
  expect(res.status).toBe(201);
};

beforeAll(resetSandbox);
afterEach(async () => {
  expect((await SELF.fetch(`${CONTROL}/faults`, { method: "DELETE" })).status).toBe(204);
});

describe("fault injection on ConnectWise paths", () => {
  it("429 with Retry-After and CW's error body, then normal service after DELETE /faults", async () => {
    await addFault({ kinds: ["429"], retryAfterSeconds: 7 });
    const res = await cw("/service/tickets/count");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await json(res)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    await SELF.fetch(`${CONTROL}/faults`, { method: "DELETE" });
    expect((await cw("/service/tickets/count")).status).toBe(200);
  });

  for (const kind of ["500", "502", "503"]) {
    it(`${kind} answers before the emulator runs (nothing is written)`, async () => {
      const before = await json<{ count: number }>(await cw("/service/tickets/count"));
      await addFault({ kinds: [kind], method: "POST" });
      const res = await cw("/service/tickets", { method: "POST", body: { summary: "faulted", company: { identifier: "ContosoDental" } } });
      expect(res.status).toBe(Number(kind));
      expect(await json(await cw("/service/tickets/count"))).toEqual(before);
    });
  }

  it("slow delays the real response; hang gives up with 504", async () => {
    await addFault({ kinds: ["slow"], slowMs: 150 });
    const started = Date.now();
    const slow = await cw("/service/priorities/count");
    expect(slow.status).toBe(200);
    expect(await json(slow)).toEqual({ count: 4 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await SELF.fetch(`${CONTROL}/faults`, { method: "DELETE" });
    await addFault({ kinds: ["hang"], hangMs: 50 });
    const hung = await cw("/service/priorities/count");
    expect(hung.status).toBe(504);
  });

  it("drop errors the body stream after the write happened; truncate halves the body", async () => {
    const before = await json<{ count: number }>(await cw("/service/tickets/count"));
    await addFault({ kinds: ["drop"], method: "POST" });
    const dropped = await cw("/service/tickets", { method: "POST", body: { summary: "dropped", company: { identifier: "ContosoDental" } } });
    await expect(dropped.text()).rejects.toThrow();
    await SELF.fetch(`${CONTROL}/faults`, { method: "DELETE" });
    expect(await json(await cw("/service/tickets/count"))).toEqual({ count: before.count + 1 });

    const full = await (await cw("/service/priorities")).text();
    await addFault({ kinds: ["truncate"], pathContains: "/service/priorities" });
    const cut = await (await cw("/service/priorities")).text();
    expect(cut).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(() => JSON.parse(cut) as unknown).toThrow();
  });

  it("only faults matching paths", async () => {
    await addFault({ kinds: ["503"], pathContains: "/notes" });
    expect((await cw("/service/tickets/count")).status).toBe(200);
    const [ticket] = await json<{ id: number }[]>(await cw("/service/tickets?pageSize=1"));
    expect((await cw(`/service/tickets/${ticket!.id}/notes`)).status).toBe(503);
  });

  it("pathPattern faults one ticket exactly, not tickets whose ids start the same; a bad pattern is refused", async () => {
    const [ticket] = await json<{ id: number }[]>(await cw("/service/tickets?pageSize=1"));
    await addFault({ kinds: ["503"], pathPattern: `/service/tickets/${ticket!.id}$` });
    expect((await cw(`/service/tickets/${ticket!.id}`)).status).toBe(503);
    expect((await cw(`/service/tickets/${ticket!.id}0`)).status).toBe(404);
    expect((await cw(`/service/tickets/${ticket!.id}/notes`)).status).toBe(200);
    const bad = await SELF.fetch(`${CONTROL}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api: "connectwise", rate: 1, kinds: ["503"], pathPattern: "([" }),
    });
    expect(bad.status).toBe(400);
  });
});

describe("request log", () => {
  it("counts ConnectWise calls with their status and fault", async () => {
    await SELF.fetch(`${CONTROL}/requests`, { method: "DELETE" });
    await cw("/service/tickets/count");
    await cw("/service/boards");
    await addFault({ kinds: ["429"] });
    await cw("/service/boards");
    const { requests, count } = await json<{ requests: { api: string; method: string; path: string; status: number; fault: string | null }[]; count: number }>(
      await SELF.fetch(`${CONTROL}/requests?api=connectwise`),
    );
    expect(count).toBe(3);
    expect(requests.map((r) => [r.method, r.path, r.status, r.fault])).toEqual([
      ["GET", "/cw/v4_6_release/apis/3.0/service/tickets/count", 200, null],
      ["GET", "/cw/v4_6_release/apis/3.0/service/boards", 200, null],
      ["GET", "/cw/v4_6_release/apis/3.0/service/boards", 429, "429"],
    ]);
  });
});
