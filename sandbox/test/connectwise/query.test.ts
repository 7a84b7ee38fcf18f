import { beforeAll, describe, expect, it } from "vitest";
import { connectwiseContract } from "../support/contract";
import { companyId, createTicket, cw, expectContract, json, resetSandbox, type Ticket } from "./helpers";

/** Tickets made for this file, tagged so conditions can scope to them. */
const TAG = "QRY";
let made: Ticket[] = [];
const q = (conditions: string, extra = "") => cw(`/service/tickets?pageSize=1000&conditions=${encodeURIComponent(conditions)}${extra}`);
const summaries = async (res: Response) => {
  expect(res.status).toBe(200);
  return (await json<Ticket[]>(res)).map((t) => t.summary).sort();
};
const scoped = (cond: string) => `externalXRef like "${TAG}-*" and (${cond})`;

beforeAll(async () => {
  await resetSandbox();
  const contoso = await companyId("Contoso Dental");
  const fabrikam = await companyId("Fabrikam Legal");
  made = [
    await createTicket({ summary: "Alpha printer", company: { id: contoso }, externalXRef: `${TAG}-1`, priority: { name: "Priority 1 - Emergency Response" } }),
    await createTicket({ summary: 'Beta "quoted" issue', company: { id: fabrikam }, externalXRef: `${TAG}-2`, status: { name: "Closed" } }),
    await createTicket({ summary: "Gamma [bracket] case", company: { id: contoso }, externalXRef: `${TAG}-3`, board: { name: "Help Desk" } }),
    await createTicket({ summary: "delta lower", company: { id: fabrikam }, externalXRef: `${TAG}-4` }),
  ];
});

describe("conditions", () => {
  it("finds tickets by externalXRef exactly, case-insensitively, by prefix, and inside or/not", async () => {
    expect(await summaries(await q(`externalXRef = "${TAG}-2"`))).toEqual(['Beta "quoted" issue']);
    expect(await summaries(await q(`externalXRef = "qry-2"`))).toEqual(['Beta "quoted" issue']);
    expect(await summaries(await q(`externalXRef like "${TAG}-*" and summary like "*a*"`))).toEqual([
      "Alpha printer",
      'Beta "quoted" issue',
      "Gamma [bracket] case",
      "delta lower",
    ]);
    expect(await summaries(await q(`summary = "delta lower" and externalXRef = "${TAG}-4"`))).toEqual(["delta lower"]);
    // A term under "or" narrows nothing: both sides still match.
    expect(await summaries(await q(`externalXRef = "${TAG}-1" or summary = "delta lower"`))).toEqual(["Alpha printer", "delta lower"]);
    expect(await summaries(await q(scoped(`not externalXRef = "${TAG}-1"`)))).toEqual(['Beta "quoted" issue', "Gamma [bracket] case", "delta lower"]);
    expect(await summaries(await q(`externalXRef = "${TAG}-nope"`))).toEqual([]);
  });

  it("= and != on strings (case-insensitive), numbers and nested paths", async () => {
    expect(await summaries(await q(scoped('summary = "alpha PRINTER"')))).toEqual(["Alpha printer"]);
    expect(await summaries(await q(scoped(`company/id = ${made[0]!.company.id}`)))).toEqual(["Alpha printer", "Gamma [bracket] case"]);
    expect(await summaries(await q(scoped('company/name != "Contoso Dental"')))).toEqual(['Beta "quoted" issue', "delta lower"]);
    expect(await summaries(await q(scoped('status/name = "Closed"')))).toEqual(['Beta "quoted" issue']);
    expect(await summaries(await q(scoped('board/name = "Help Desk"')))).toEqual(["Gamma [bracket] case"]);
  });

  it("<, <=, >, >= on ids and on [datetimes], including lastUpdated aliases", async () => {
    const [a, b, c] = made;
    expect(await summaries(await q(scoped(`id > ${a!.id} and id <= ${c!.id}`)))).toEqual(['Beta "quoted" issue', "Gamma [bracket] case"]);
    expect(await summaries(await q(scoped(`id < ${b!.id}`)))).toEqual(["Alpha printer"]);
    expect(await summaries(await q(scoped(`id >= ${made[3]!.id}`)))).toEqual(["delta lower"]);
    expect(await q(scoped("lastUpdated > [2000-01-01T00:00:00Z]")).then(summaries)).toHaveLength(4);
    expect(await q(scoped("_info/lastUpdated < [2000-01-01T00:00:00Z]")).then(summaries)).toEqual([]);
    expect(await q(scoped("LastUpdated >= [2000-01-01T00:00:00Z] and dateEntered <= [2999-01-01T00:00:00Z]")).then(summaries)).toHaveLength(4);
  });

  it("like with * and %, contains, in, not, and/or with parentheses", async () => {
    expect(await summaries(await q(scoped('summary like "a*"')))).toEqual(["Alpha printer"]);
    expect(await summaries(await q(scoped('summary like "%LOWER"')))).toEqual(["delta lower"]);
    expect(await summaries(await q(scoped('summary contains "UOTED"')))).toEqual(['Beta "quoted" issue']);
    expect(await summaries(await q(scoped(`id in (${made[0]!.id}, ${made[3]!.id})`)))).toEqual(["Alpha printer", "delta lower"]);
    expect(await summaries(await q(scoped(`id not in (${made[0]!.id}, ${made[3]!.id})`)))).toEqual(['Beta "quoted" issue', "Gamma [bracket] case"]);
    expect(await summaries(await q(scoped('not summary like "a*" and summary not like "d*"')))).toEqual(['Beta "quoted" issue', "Gamma [bracket] case"]);
    expect(await summaries(await q(scoped('(summary = "Alpha printer" OR summary = "delta lower") AND closedFlag = false')))).toEqual([
      "Alpha printer",
      "delta lower",
    ]);
    expect(await summaries(await q(scoped('summary = "Alpha printer" or summary = "delta lower" and closedFlag = true')))).toEqual(["Alpha printer"]);
  });

  it("booleans, null, quoted strings with escapes and single quotes, literal [ in like", async () => {
    expect(await summaries(await q(scoped("closedFlag = true")))).toEqual(['Beta "quoted" issue']);
    expect(await summaries(await q(scoped('summary = "Beta \\"quoted\\" issue"')))).toEqual(['Beta "quoted" issue']);
    expect(await summaries(await q(scoped("summary = 'Beta \"quoted\" issue'")))).toEqual(['Beta "quoted" issue']);
    expect(await summaries(await q(scoped('summary like "*[[]bracket]*"')))).toEqual(["Gamma [bracket] case"]);
    expect(await summaries(await q(scoped("closedBy = null")))).toEqual(["Alpha printer", "Gamma [bracket] case", "delta lower"]);
    expect(await summaries(await q(scoped("closedBy != null")))).toEqual(['Beta "quoted" issue']);
  });

  it("answers malformed expressions with CW's 400 body", async () => {
    const bad = [
      "closedFlag = 1",
      "summary = abc",
      "(id = 1",
      "id = ",
      "id == 1",
      "summary like 5",
      "id in (1,2",
      "lastUpdated > [not-a-date]",
      'summary = "open',
      "and id = 1",
      "id = 1 id = 2",
      'lastUpdated > "2024-01-01T00:00:00Z"',
    ];
    for (const cond of bad) {
      const res = await q(scoped(cond));
      expect(res.status, cond).toBe(400);
      const body = await json<{ code: string; message: string; errors: unknown }>(res);
      expect(body.code, cond).toBe("BadRequest");
      expect(body.message, cond).toContain("String values should be enclosed with double or single quotes");
    }
    const typed = await json<{ message: string }>(await q(scoped("closedFlag = 1")));
    expect(typed.message).toMatch(/^Expected a boolean value, not a numeric\./);
  });

  it("filters counts too", async () => {
    const res = await cw(`/service/tickets/count?conditions=${encodeURIComponent(scoped(`company/id = ${made[1]!.company.id}`))}`);
    expect(await json(res)).toEqual({ count: 2 });
  });
});

describe("orderBy and fields", () => {
  it("sorts by id desc, by a nested field, and by _info/lastUpdated", async () => {
    const desc = await json<Ticket[]>(await q(`externalXRef like "${TAG}-*"`, "&orderBy=id%20desc"));
    expect(desc.map((t) => t.id)).toEqual(made.map((t) => t.id).reverse());
    const byName = await json<Ticket[]>(await q(`externalXRef like "${TAG}-*"`, "&orderBy=summary%20asc"));
    expect(byName.map((t) => t.summary)).toEqual(["Alpha printer", 'Beta "quoted" issue', "delta lower", "Gamma [bracket] case"]);
    const byCompany = await json<Ticket[]>(await q(`externalXRef like "${TAG}-*"`, "&orderBy=company/name%20desc,id%20asc"));
    expect(byCompany.map((t) => t.company.name)).toEqual(["Fabrikam Legal", "Fabrikam Legal", "Contoso Dental", "Contoso Dental"]);
    const byUpdated = await q(`externalXRef like "${TAG}-*"`, "&orderBy=_info/lastUpdated%20asc");
    expect(byUpdated.status).toBe(200);
    const bad = await q(`externalXRef like "${TAG}-*"`, "&orderBy=id%20sideways");
    expect(bad.status).toBe(400);
  });

  it("returns only the requested fields, nested ones included", async () => {
    const res = await q(`externalXRef = "${TAG}-1"`, "&fields=id,summary,status/name,_info/lastUpdated");
    const [t] = await json<Record<string, unknown>[]>(res);
    expect(t).toEqual({ id: made[0]!.id, summary: "Alpha printer", status: { name: "New" }, _info: { lastUpdated: made[0]!._info.lastUpdated } });
    const one = await json(await cw(`/service/tickets/${made[0]!.id}?fields=id,company/identifier`));
    expect(one).toEqual({ id: made[0]!.id, company: { identifier: "ContosoDental" } });
  });
});

describe("paging", () => {
  it("defaults to 25 per page and links first/prev/next/last", async () => {
    for (let i = 0; i < 27; i++) await createTicket({ summary: `Bulk ${i}`, company: { identifier: "NorthwindClinic" }, externalXRef: `BULK-${i}` });
    const cond = encodeURIComponent('externalXRef like "BULK-*"');
    const first = await cw(`/service/tickets?conditions=${cond}`);
    expect(await json<unknown[]>(first)).toHaveLength(25);
    const link = first.headers.get("link")!;
    expect(link).toContain('page=2>; rel="next"');
    expect(link).toContain('page=2>; rel="last"');
    expect(link).not.toContain('rel="prev"');
    expect(link).toMatch(/^<http:\/\/localhost:8788\/cw\/v4_6_release\/apis\/3\.0\/service\/tickets\?conditions=/);

    const small = await cw(`/service/tickets?conditions=${cond}&pageSize=10&page=2`);
    const page2 = await json<Ticket[]>(small);
    expect(page2.map((t) => t.summary)).toEqual(Array.from({ length: 10 }, (_, i) => `Bulk ${i + 10}`));
    const links = small.headers.get("link")!;
    for (const [rel, page] of [
      ["first", 1],
      ["prev", 1],
      ["next", 3],
      ["last", 3],
    ] as const) {
      expect(links).toContain(`pageSize=10&page=${page}>; rel="${rel}"`);
    }
    const last = await cw(`/service/tickets?conditions=${cond}&pageSize=10&page=3`);
    expect(await json<unknown[]>(last)).toHaveLength(7);
    expect(last.headers.get("link")).not.toContain('rel="next"');
    const beyond = await cw(`/service/tickets?conditions=${cond}&pageSize=10&page=9`);
    expect(await json<unknown[]>(beyond)).toEqual([]);
  });

  it("caps pageSize at 1000 and rejects a non-numeric page", async () => {
    const big = await cw("/service/tickets?pageSize=5000");
    expect(big.status).toBe(200);
    expect(big.headers.get("link")).toBeNull();
    expect((await cw("/service/tickets?page=abc")).status).toBe(400);
  });

  it("pages forward-only by pageId with a next link until the end", async () => {
    const cond = encodeURIComponent('externalXRef like "BULK-*"');
    const seen: string[] = [];
    let url: string | null = `/service/tickets?conditions=${cond}&pageSize=10&pageId=0`;
    let calls = 0;
    while (url) {
      const res = await cw(url, { headers: { "pagination-type": "forward-only" } });
      const page = await expectContract<Ticket[]>(res, "GET", "/service/tickets", 200);
      seen.push(...page.map((t) => t.summary));
      const next = /<([^>]+)>; rel="next"/.exec(res.headers.get("link") ?? "")?.[1];
      expect(res.headers.get("link") ?? "").not.toContain('rel="last"');
      url = next ? next.replace("http://localhost:8788/cw/v4_6_release/apis/3.0", "") : null;
      if (next) expect(next).toContain(`pageId=${page[page.length - 1]!.id}`);
      calls++;
    }
    expect(calls).toBe(3);
    expect(seen).toEqual(Array.from({ length: 27 }, (_, i) => `Bulk ${i}`));
  });
});

describe("contract helper", () => {
  it("rejects bodies that break the schema", () => {
    expect(connectwiseContract("GET", "/service/tickets/{id}", 200, { id: "one", summary: 5 }).valid).toBe(false);
    expect(connectwiseContract("GET", "/service/tickets/count", 200, { count: "3" }).valid).toBe(false);
    expect(connectwiseContract("GET", "/service/tickets/count", 200, { count: 3 }).valid).toBe(true);
  });
});
