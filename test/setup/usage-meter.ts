import { env } from "cloudflare:test";
import { CallBudget } from "../../src/durable-objects/call-budget";
import { PortalBudget } from "../../src/durable-objects/portal-budget";
import { RateLimiter } from "../../src/durable-objects/rate-limiter";
import { TicketSync } from "../../src/durable-objects/ticket-sync";
import worker from "../../src/index";
import { queueMessage } from "../../src/jobs/messages";

/**
 * What the Worker spends on the platform, counted where it leaves our code: each D1 statement
 * with the `meta` D1 answers it with, each queue message sent and delivered, each call into a
 * Durable Object. The Worker, its queue consumers and its Durable Objects all run in the test's
 * isolate and share these prototypes, so every caller is counted; nothing is replaced, the
 * statements, messages and calls still happen. Statements of the `ignore` session (the
 * caller's own polling) are not counted.
 */
export interface Usage {
  /** `changes` is rows inserted, updated or deleted; `rowsWritten` adds the index entries each of those wrote. */
  d1: Record<"roundTrips" | "statements" | "rowsWritten" | "rowsRead" | "changes", number>;
  writtenByTable: Record<string, number>;
  sent: Record<QueueKind, number>;
  delivered: Record<string, number>;
  objectCalls: Record<ObjectClass, number>;
}
type QueueKind = "tenant-sync" | "ticket-sync" | "other";
type ObjectClass = "TicketSync" | "PortalBudget" | "CallBudget" | "RateLimiter";

interface D1Answer {
  meta?: { rows_written?: number; rows_read?: number; changes?: number };
}
/** The runtime's D1 session (workerd's d1-api): every statement, batch and `.raw()` goes through `_send`. */
type D1Send = (this: object, endpoint: string, query: string | string[], params: unknown[], format: string) => Promise<D1Answer | D1Answer[]>;
type Restore = () => void;

export const emptyUsage = (): Usage => ({
  d1: { roundTrips: 0, statements: 0, rowsWritten: 0, rowsRead: 0, changes: 0 },
  writtenByTable: {},
  sent: { "tenant-sync": 0, "ticket-sync": 0, other: 0 },
  delivered: {},
  objectCalls: { TicketSync: 0, PortalBudget: 0, CallBudget: 0, RateLimiter: 0 },
});

/** Adds `more` into `into` (both are counts throughout). */
export function addUsage(into: Usage, more: Usage): Usage {
  for (const section of Object.keys(more) as (keyof Usage)[]) {
    const counts: Record<string, number> = into[section];
    for (const [key, n] of Object.entries(more[section])) counts[key] = (counts[key] ?? 0) + n;
  }
  return into;
}

/** The table an INSERT, UPDATE or DELETE writes (drizzle quotes names), or "other". */
function writtenTable(sql: string): string {
  return /^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+"?(\w+)"?/i.exec(sql)?.[1] ?? "other";
}

export function installUsageMeter(ignore: object) {
  let usage = emptyUsage();
  const restores: Restore[] = [];

  // D1: `meta` of each statement's answer, as local D1 computes it for the same SQLite storage
  // deployed D1 runs on (rows_written counts index entries too).
  const session = Object.getPrototypeOf(env.DB.withSession()) as { _send?: D1Send };
  const send = session._send;
  if (typeof send !== "function") throw new Error("the runtime's D1 binding has no _send any more: the usage meter must follow it");
  session._send = async function (this: object, endpoint, query, params, format) {
    const answer = await send.call(this, endpoint, query, params, format);
    if (this === ignore) return answer;
    const answers = Array.isArray(answer) ? answer : [answer];
    const sqls = Array.isArray(query) ? query : [query];
    usage.d1.roundTrips++;
    answers.forEach((a, i) => {
      const written = a.meta?.rows_written ?? 0;
      usage.d1.statements++;
      usage.d1.rowsWritten += written;
      usage.d1.rowsRead += a.meta?.rows_read ?? 0;
      usage.d1.changes += a.meta?.changes ?? 0;
      if (written > 0) {
        const table = writtenTable(sqls[i] ?? "");
        usage.writtenByTable[table] = (usage.writtenByTable[table] ?? 0) + written;
      }
    });
    return answer;
  };
  restores.push(() => (session._send = send));

  // Queues: messages handed to a producer binding, by the kind their body declares.
  const producer = Object.getPrototypeOf(env.TICKET_SYNC_QUEUE) as Queue;
  const { send: sendOne, sendBatch } = producer;
  const countSent = (body: unknown) => {
    const parsed = queueMessage.safeParse(body);
    usage.sent[parsed.success ? parsed.data.kind : "other"]++;
  };
  producer.send = function (this: Queue, body, options) {
    countSent(body);
    return sendOne.call(this, body, options);
  };
  producer.sendBatch = function (this: Queue, messages, options) {
    for (const m of messages) countSent(m.body);
    return sendBatch.call(this, messages, options);
  };
  restores.push(() => Object.assign(producer, { send: sendOne, sendBatch }));

  // Deliveries: the runtime looks the Worker's queue handler up on its default export per batch.
  const consume = worker.queue;
  worker.queue = (batch, e) => {
    usage.delivered[batch.queue] = (usage.delivered[batch.queue] ?? 0) + batch.messages.length;
    return consume(batch, e);
  };
  restores.push(() => (worker.queue = consume));

  // Durable Objects: every RPC call runs the class's prototype method once (only public methods are callable).
  restores.push(
    countCalls(TicketSync, ["sync", "claimPush", "releasePush"], () => usage.objectCalls.TicketSync++),
    countCalls(PortalBudget, ["take", "rateLimited", "remaining"], () => usage.objectCalls.PortalBudget++),
    countCalls(CallBudget, ["reserve"], () => usage.objectCalls.CallBudget++),
    countCalls(RateLimiter, ["take", "blockedFor", "clear"], () => usage.objectCalls.RateLimiter++),
  );

  return {
    /** What was spent since the last `take` (or install), and a fresh count from now. */
    take(): Usage {
      const spent = usage;
      usage = emptyUsage();
      return spent;
    },
    /** Statements, messages and calls so far, as one number: unchanged while nothing runs. */
    activity(): number {
      return usage.d1.roundTrips + Object.values(usage.delivered).reduce((a, b) => a + b, 0) + Object.values(usage.objectCalls).reduce((a, b) => a + b, 0);
    },
    uninstall(): void {
      for (const restore of restores.reverse()) restore();
    },
  };
}

function countCalls<T extends object>(cls: { prototype: T }, methods: (keyof T & string)[], count: () => void): Restore {
  const proto = cls.prototype as Record<string, unknown>;
  const originals = methods.map((m) => [m, proto[m] as (...args: unknown[]) => unknown] as const);
  for (const [m, original] of originals) {
    proto[m] = function (this: unknown, ...args: unknown[]) {
      count();
      return original.apply(this, args);
    };
  }
  return () => {
    for (const [m, original] of originals) proto[m] = original;
  };
}
