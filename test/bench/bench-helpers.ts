import { inject } from "vitest";

/** Sizes of the benchmark (`npm run bench`, `--quick` for the small ones). */
export const benchSize = () => inject("bench");

/** One result line for scripts/bench.mjs to collect. */
export function report(name: string, figures: Record<string, number | string>): void {
  console.info(JSON.stringify({ event: "bench.result", name, ...figures }));
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
