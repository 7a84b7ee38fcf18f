import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_CONNECTWISE } from "../../src/demo-data";
import { ACCEPT, API, AUTH, cw, json, resetSandbox, SITE } from "./helpers";

beforeAll(resetSandbox);

describe("codebase lookup", () => {
  it("answers /login/companyinfo/{companyId} without auth, case-insensitively", async () => {
    const res = await SELF.fetch(`${SITE}/login/companyinfo/ACME`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ Codebase: "v4_6_release/", CompanyID: "acme", CompanyName: "Acme MSP", IsCloud: false, SiteUrl: "localhost:8788/cw" });
    expect(body.VersionCode).toMatch(/^v\d{4}\.\d+$/);
    // The documented recipe rebuilds the API base from the lookup.
    const base = `http://${String(body.SiteUrl)}/${String(body.Codebase)}apis/3.0`;
    expect(base).toBe(API);
  });

  it("refuses an unknown company with CW's plain-text routing error", async () => {
    const res = await SELF.fetch(`${SITE}/login/companyinfo/nobody`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("Cannot route. Codebase/company is invalid");
  });
});

describe("authentication", () => {
  const call = (headers: Record<string, string>) => SELF.fetch(`${API}/service/tickets`, { headers });

  it("401 Unauthorized without an Authorization header", async () => {
    const res = await call({ clientId: DEMO_CONNECTWISE.clientId });
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ code: "Unauthorized", message: "Authorization has been denied for this request.", errors: null });
  });

  it("401 UserNotAuthenticated for a wrong private key or company", async () => {
    for (const creds of ["acme+acme-public-key:wrong", "other+acme-public-key:acme-private-key", "acme-public-key:acme-private-key"]) {
      const res = await call({ Authorization: `Basic ${btoa(creds)}`, clientId: DEMO_CONNECTWISE.clientId });
      expect(res.status).toBe(401);
      const body = await json(res);
      expect(body.code).toMatch(/^(ConnectWiseApi|Unauthorized)$/);
    }
    const wrongKey = await call({ Authorization: `Basic ${btoa("acme+acme-public-key:wrong")}`, clientId: DEMO_CONNECTWISE.clientId });
    expect(await json(wrongKey)).toEqual({ code: "ConnectWiseApi", message: "UserNotAuthenticated", errors: null });
  });

  it("403 when the clientId header is missing or unknown", async () => {
    const missing = await call({ Authorization: AUTH });
    expect(missing.status).toBe(403);
    expect((await json(missing)).message).toMatch(/clientId/);
    const unknown = await call({ Authorization: AUTH, clientId: "someone-else" });
    expect(unknown.status).toBe(403);
    expect((await json(unknown)).code).toBe("Unauthorized");
  });

  it("accepts the company id in any case and the clientId header in any case", async () => {
    const res = await SELF.fetch(`${API}/service/tickets/count`, {
      headers: { Authorization: `Basic ${btoa("ACME+acme-public-key:acme-private-key")}`, CLIENTID: DEMO_CONNECTWISE.clientId },
    });
    expect(res.status).toBe(200);
  });
});

describe("media type and routing errors", () => {
  it("echoes the pinned Accept version in the content-type", async () => {
    const res = await cw("/service/tickets/count");
    expect(res.headers.get("content-type")).toBe(ACCEPT);
    const plain = await cw("/service/tickets/count", { headers: { Accept: "application/json" } });
    expect(plain.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("answers unknown endpoints with CW's body", async () => {
    const res = await cw("/service/nothing-here");
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ code: "ConnectWiseApi", message: "The endpoint does not exist." });
  });

  it("answers an unknown id with NotFound", async () => {
    const res = await cw("/service/tickets/999999");
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ code: "NotFound", message: "Ticket 999999 not found" });
    const board = await cw("/service/boards/4242/statuses");
    expect(await json(board)).toEqual({ code: "NotFound", message: "Board 4242 not found" });
  });

  it("refuses an unknown codebase as a routing error", async () => {
    const res = await SELF.fetch(`${SITE}/v1999_1/apis/3.0/service/tickets`, { headers: { Authorization: AUTH, clientId: DEMO_CONNECTWISE.clientId } });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("Cannot route. Codebase/company is invalid");
  });
});

describe("API members (control)", () => {
  const asMember = (publicKey: string, privateKey: string) =>
    SELF.fetch(`${API}/service/boards`, {
      headers: { Authorization: `Basic ${btoa(`acme+${publicKey}:${privateKey}`)}`, clientId: DEMO_CONNECTWISE.clientId, Accept: ACCEPT },
    });

  it("accepts a registered member's key pair, logs calls by its public key, and still refuses a wrong private key", async () => {
    expect((await asMember("tenant-7-public", "tenant-7-private")).status).toBe(401);
    const added = await SELF.fetch("http://localhost:8788/_sandbox/connectwise/api-members", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ publicKey: "tenant-7-public", privateKey: "tenant-7-private" }),
    });
    expect(added.status).toBe(201);
    expect((await asMember("tenant-7-public", "tenant-7-private")).status).toBe(200);
    expect((await asMember("tenant-7-public", "wrong")).status).toBe(401);

    const log = (
      await json<{ requests: { caller: string | null; status: number; path: string }[] }>(
        await SELF.fetch("http://localhost:8788/_sandbox/requests?api=connectwise"),
      )
    ).requests;
    const mine = log.filter((r) => r.caller === "tenant-7-public");
    expect(mine.map((r) => r.status)).toEqual([401, 200, 401]);
    expect(JSON.stringify(log)).not.toContain("tenant-7-private");
  });

  it("refuses a malformed member with a clear 400", async () => {
    const res = await SELF.fetch("http://localhost:8788/_sandbox/connectwise/api-members", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ publicKey: "a b" }),
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "invalid_request" });
  });
});
