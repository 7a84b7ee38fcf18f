import { env, runInDurableObject, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { stepActivity, type ActivityKind } from "../src/activity";
import { createConnectWise } from "../src/connectwise";
import type { SandboxDeps } from "../src/deps";
import { createZendesk } from "../src/zendesk";

/** A random source that returns `values` in turn (then repeats the last). */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
};

async function step(random: () => number) {
  const stub = env.WORLD.get(env.WORLD.idFromName("world"));
  return runInDurableObject(stub, (_instance, state) => {
    const deps: SandboxDeps = { sql: state.storage.sql, now: () => new Date(), defer: () => {}, fetch: (i, init) => fetch(i, init) };
    return stepActivity(createZendesk(deps), createConnectWise(deps), random);
  });
}

const countRequests = async () => {
  const res = await SELF.fetch("http://localhost:8788/zendesk/api/v2/requests?per_page=100", {
    headers: { authorization: `Basic ${btoa("it@acme-msp.test/token:acme-portal-token")}` },
  });
  return ((await res.json()) as { count: number }).count;
};

describe("demo activity generator", () => {
  beforeEach(async () => {
    await SELF.fetch("http://localhost:8788/_sandbox/reset", { method: "POST" });
  });

  it("creates a new portal request", async () => {
    const before = await countRequests();
    const done = await step(sequence(0.0, 0.5, 0.5, 0.5, 0.5));
    expect(done?.kind).toBe<ActivityKind>("new_request");
    expect(await countRequests()).toBe(before + 1);
  });

  it("adds a technician note to an open ConnectWise ticket", async () => {
    const done = await step(sequence(0.99, 0.0, 0.0));
    expect(done?.kind).toBe<ActivityKind>("technician_note");
    const res = await SELF.fetch(`http://localhost:8788/cw/v4_6_release/apis/3.0/service/tickets/${done!.id}/notes?orderBy=id%20desc&pageSize=1`, {
      headers: { authorization: `Basic ${btoa("acme+acme-public-key:acme-private-key")}`, clientId: "psa-sync-demo-client" },
    });
    const [note] = (await res.json()) as { text: string; internalAnalysisFlag: boolean }[];
    expect(note?.internalAnalysisFlag).toBe(true);
    expect(note?.text).toMatch(/Remote session started/);
  });

  it("adds a customer comment to an open request", async () => {
    const done = await step(sequence(0.2, 0.0, 0.0));
    expect(done?.kind).toBe<ActivityKind>("customer_comment");
    const res = await SELF.fetch(`http://localhost:8788/zendesk/api/v2/requests/${done!.id}/comments?sort_order=desc`, {
      headers: { authorization: `Basic ${btoa("it@acme-msp.test/token:acme-portal-token")}` },
    });
    const body = (await res.json()) as { comments: { body: string }[] };
    expect(body.comments[0]?.body).toBe("Any update on this? Users are asking.");
  });
});
