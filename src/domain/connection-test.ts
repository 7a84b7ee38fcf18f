import { z } from "zod";

/** Stored "Test connection" result (a JSON column: parsed on the way out of D1). */
const testLine = z.object({
  side: z.enum(["portal", "connectwise"]),
  check: z.string(),
  ok: z.boolean(),
  /** true: the check could not run (an earlier one failed). */
  skipped: z.boolean().default(false),
  detail: z.string(),
  fix: z.string().nullable().default(null),
});
export const testResult = z.object({
  testedAt: z.string(),
  ok: z.boolean(),
  lines: z.array(testLine),
  testTicketId: z.number().int().nullable().default(null),
});
export type TestLine = z.infer<typeof testLine>;
export type TestResult = z.infer<typeof testResult>;
