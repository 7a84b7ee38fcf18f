import { vi } from "vitest";

const METHODS = ["log", "debug", "info", "warn", "error"] as const;
type Logged = { method: (typeof METHODS)[number]; args: unknown[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Records every console call (the logger passes one plain object per event). `quiet` keeps
 * them off the test output. Restored by `restore()` or `vi.restoreAllMocks()`.
 */
export function captureLogs({ quiet = false } = {}) {
  const calls: Logged[] = [];
  const spies = METHODS.map((method) => {
    const original = console[method].bind(console);
    return vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      calls.push({ method, args });
      if (!quiet) original(...args);
    });
  });
  const withEvent = (event: string) => calls.filter(({ args }) => isRecord(args[0]) && args[0].event === event);
  return {
    /** The logged objects with this `event`, oldest first. */
    events: (event: string) => withEvent(event).map(({ args }) => args[0] as Record<string, unknown>),
    /** The console method each of them went to. */
    methods: (event: string) => withEvent(event).map(({ method }) => method),
    /** Everything logged, as text (objects as JSON), for checks that nothing secret got out. */
    text: () => calls.map(({ args }) => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")).join("\n"),
    count: () => calls.length,
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
