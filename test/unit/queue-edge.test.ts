import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { failures, runTickets, syncRuns } from "../../src/db/schema";
import { AppError, BudgetSpent } from "../../src/lib/errors";
import { createLogger } from "../../src/lib/log";
import { backoffSeconds, outcomeOfError } from "../../src/jobs/outcome";
import { sendTicketSync } from "../../src/jobs/send";
import { retryBackoff, settleBatch } from "../../src/queues/settle";
import type { TicketSyncMessage } from "../../src/jobs/messages";
import { createTenant, db, uniqueId } from "../factories/tenants";

const message = (id: string, body: unknown, attempts = 1) => ({ id, timestamp: new Date(), attempts, body });

describe("queue edge", () => {
  it("fails loudly on a queue it has no consumer for", async () => {
    const batch = createMessageBatch("mystery-queue", [message("m1", { kind: "tenant-sync" })]);
    await expect(worker.queue(batch, env)).rejects.toThrow(/No consumer for queue "mystery-queue"/);
  });

  it("records a message it can never process as a failure, then acks it", async () => {
    const id = uniqueId("msg");
    const batch = createMessageBatch("tenant-sync", [message(id, { kind: "tenant-sync", v: 99, tenantId: "t1" })]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([id]);
    expect(result.retryMessages).toEqual([]);
    const [row] = await db().select().from(failures).where(eq(failures.messageId, id));
    expect(row).toMatchObject({ queue: "tenant-sync", tenantId: "t1", replayState: "new" });
    expect(row!.reason).toMatch(/invalid_payload/);
  });

  it("retries failed work with the upstream's Retry-After, and never acks it", async () => {
    const batch = createMessageBatch("ticket-sync", [message("a", 1), message("b", 2, 3), message("c", 3)]);
    const ctx = createExecutionContext();
    // The pool's queue result omits delaySeconds, so watch the retry calls themselves.
    const retries = batch.messages.map((m) => vi.spyOn(m, "retry"));
    vi.spyOn(Math, "random").mockReturnValue(1);
    await settleBatch(env, batch, createLogger(), async (body) => {
      if (body === 1) throw new AppError("rate_limited", "429 from ConnectWise", 42);
      if (body === 2) throw new Error("socket hang up");
      return { kind: "done" };
    });
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["c"]);
    expect(result.retryMessages).toEqual([{ msgId: "a" }, { msgId: "b" }]);
    expect(retries[0]).toHaveBeenCalledWith({ delaySeconds: 42 });
    expect(retries[1]).toHaveBeenCalledWith({ delaySeconds: backoffSeconds(3, () => 1, Number(env.RETRY_BASE_SECONDS), Number(env.RETRY_MAX_SECONDS)) });
    vi.restoreAllMocks();
    expect(retries[2]).not.toHaveBeenCalled();
  });

  it("defers work refused by the tenant's own call budget: sent again later, acked, no attempt used", async () => {
    const batch = createMessageBatch("ticket-sync", [message("a", 1, 8), message("b", 2)]);
    const ctx = createExecutionContext();
    const resent: { body: unknown; delay: number }[] = [];
    const job = async (body: unknown) => {
      if (body === 1) throw new BudgetSpent("connectwise: cap reached", 17);
      return { kind: "done" } as const;
    };
    await settleBatch(env, batch, createLogger(), job, async (body, delay) => {
      resent.push({ body, delay });
    });
    const result = await getQueueResult(batch, ctx);
    // Even on its last allowed attempt, a deferred message is not retried towards the DLQ.
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(["a", "b"]);
    expect(resent).toEqual([{ body: 1, delay: 17 }]);

    // If it cannot be sent again, it is retried rather than acked and lost.
    const failing = createMessageBatch("ticket-sync", [message("c", 1)]);
    const ctx2 = createExecutionContext();
    await settleBatch(env, failing, createLogger(), job, async () => {
      throw new Error("queue unavailable");
    });
    const result2 = await getQueueResult(failing, ctx2);
    expect(result2.explicitAcks).toEqual([]);
    expect(result2.retryMessages).toEqual([{ msgId: "c" }]);
  });

  it("backs off exponentially up to a cap, with jitter in the upper half", () => {
    expect([1, 2, 3, 4].map((a) => backoffSeconds(a, () => 1))).toEqual([5, 10, 20, 40]);
    expect([1, 2, 3, 4].map((a) => backoffSeconds(a, () => 0))).toEqual([3, 5, 10, 20]);
    expect(backoffSeconds(30, () => 1)).toBe(900);
    expect(backoffSeconds(30, () => 0)).toBe(450);
    // RETRY_MAX_SECONDS lowers the cap.
    expect([1, 2, 3, 9].map((a) => backoffSeconds(a, () => 1, 5, 60))).toEqual([5, 10, 20, 60]);
  });

  it("reads the backoff vars: 5 s doubling to 15 min unless set, a malformed value falling back", () => {
    expect(retryBackoff({ RETRY_BASE_SECONDS: "", RETRY_MAX_SECONDS: "" })).toEqual({ baseSeconds: 5, maxSeconds: 900 });
    expect(retryBackoff({ RETRY_BASE_SECONDS: "2", RETRY_MAX_SECONDS: "120" })).toEqual({ baseSeconds: 2, maxSeconds: 120 });
    // Under a second would retry in a tight loop; over 12 hours Queues refuse the retry.
    for (const max of ["0", "0.5", "43201", "15m"]) expect(retryBackoff({ RETRY_BASE_SECONDS: "5", RETRY_MAX_SECONDS: max }).maxSeconds).toBe(900);
  });

  it("maps typed errors to outcomes: transient ones retry, permanent ones are rejected", () => {
    expect(outcomeOfError(new AppError("upstream_unavailable", "503"))).toMatchObject({ kind: "retry" });
    expect(outcomeOfError(new AppError("rate_limited", "429", 30))).toEqual({ kind: "retry", reason: "rate_limited", delaySeconds: 30 });
    expect(outcomeOfError(new AppError("conflict", "409"))).toMatchObject({ kind: "retry" });
    for (const code of ["invalid_payload", "not_found", "unauthorized", "forbidden"] as const) {
      expect(outcomeOfError(new AppError(code, "x"))).toMatchObject({ kind: "reject" });
    }
    expect(outcomeOfError(new Error("boom"))).toMatchObject({ kind: "retry" });
  });

  it("records dead letters once, and lets their run finish", async () => {
    const tenant = await createTenant();
    const runId = uniqueId("run");
    await db().insert(syncRuns).values({ id: runId, tenantId: tenant.id, trigger: "cron", status: "running", listingComplete: true });
    await db().insert(runTickets).values({ runId, tenantId: tenant.id, portalTicketId: 7 });
    const body = { kind: "ticket-sync", v: 1, tenantId: tenant.id, runId, portalTicketId: 7, reason: "resync" };
    const id = uniqueId("dead");

    for (let delivery = 0; delivery < 2; delivery++) {
      const batch = createMessageBatch("ticket-sync-dlq", [message(id, body, 9)]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    }

    const rows = await db().select().from(failures).where(eq(failures.messageId, id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ queue: "ticket-sync", tenantId: tenant.id, attempts: 9, reason: "retries exhausted" });
    const run = await db().query.syncRuns.findFirst({ where: eq(syncRuns.id, runId) });
    expect(run).toMatchObject({ status: "completed", failures: 1 });
  });

  it("sends push syncs to ticket-push and run syncs to ticket-sync, by reason alone (so deferrals, retries and replays return to the same queue)", async () => {
    const sent: Record<string, unknown[]> = { push: [], sync: [] };
    const queue = (into: unknown[]) => ({ sendBatch: async (msgs: { body: unknown }[]) => void into.push(...msgs.map((m) => m.body)) }) as unknown as Queue;
    const routed = { ...env, TICKET_PUSH_QUEUE: queue(sent.push!), TICKET_SYNC_QUEUE: queue(sent.sync!) };
    const msg = (portalTicketId: number, reason: TicketSyncMessage["reason"]): TicketSyncMessage => ({
      kind: "ticket-sync",
      v: 1,
      tenantId: "t1",
      runId: null,
      portalTicketId,
      reason,
    });
    await sendTicketSync(routed, [msg(1, "webhook"), msg(2, "portal_changed"), msg(3, "callback"), msg(4, "connectwise_changed"), msg(5, "resync")]);
    expect(sent.push!.map((m) => (m as TicketSyncMessage).portalTicketId)).toEqual([1, 3]);
    expect(sent.sync!.map((m) => (m as TicketSyncMessage).portalTicketId)).toEqual([2, 4, 5]);
  });

  it("consumes ticket-push like ticket-sync, and records its dead letters as ticket-push's", async () => {
    const tenant = await createTenant();
    const bad = uniqueId("push-bad");
    const batch = createMessageBatch("ticket-push", [message(bad, { kind: "ticket-sync", v: 1, tenantId: tenant.id })]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([bad]);
    expect(await db().select().from(failures).where(eq(failures.messageId, bad))).toMatchObject([
      { queue: "ticket-push", tenantId: tenant.id, reason: "invalid_payload: not a ticket-sync message" },
    ]);

    const dead = uniqueId("push-dead");
    const body = { kind: "ticket-sync", v: 1, tenantId: tenant.id, runId: null, portalTicketId: 7, reason: "webhook" };
    const dlq = createMessageBatch("ticket-push-dlq", [message(dead, body, 9)]);
    const ctx2 = createExecutionContext();
    await worker.queue(dlq, env);
    expect((await getQueueResult(dlq, ctx2)).ackAll).toBe(true);
    expect(await db().select().from(failures).where(eq(failures.messageId, dead))).toMatchObject([
      { queue: "ticket-push", tenantId: tenant.id, attempts: 9, reason: "retries exhausted" },
    ]);
  });
});
