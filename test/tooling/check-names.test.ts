import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkExportedNames } from "../../scripts/check-names.mjs";
import { ROOT } from "../../scripts/local-stack.mjs";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A throwaway src/ with the given files. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "check-names-"));
  mkdirSync(join(root, "src", "b"), { recursive: true });
  for (const [path, source] of Object.entries(files)) writeFileSync(join(root, "src", path), source);
  roots.push(root);
  return root;
}

describe("scripts/check-names.mjs", () => {
  it("passes this repository", () => {
    expect(checkExportedNames(ROOT)).toEqual([]);
  });

  it("fails on one function name exported by two modules, whether declared or an arrow", () => {
    const root = project({
      "a.ts": "export async function syncTicket() {}\n",
      "b/c.ts": "export const syncTicket = async (x: number): Promise<void> => {};\n",
    });
    expect(checkExportedNames(root)).toEqual(['exported function "syncTicket" is declared in src/a.ts and src/b/c.ts']);
  });

  it("passes distinct names and names that are not exported", () => {
    const root = project({ "a.ts": "export function one() {}\nfunction two() {}\n", "b/c.ts": "export function three() {}\nconst one = () => 1;\n" });
    expect(checkExportedNames(root)).toEqual([]);
  });
});
