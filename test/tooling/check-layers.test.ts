import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkLayers } from "../../scripts/check-layers.mjs";
import { ROOT } from "../../scripts/local-stack.mjs";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A throwaway project: each path (under its root) with its source. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "check-layers-"));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  roots.push(root);
  return root;
}
const LAYERS = [["low"], ["mid", "side"], ["high"]];

describe("scripts/check-layers.mjs", () => {
  it("passes this repository", () => {
    expect(checkLayers(ROOT)).toEqual([]);
  });

  it("passes imports that only run down, or one way within a row", () => {
    const root = project({
      "src/low/a.ts": "export const a = 1;\n",
      "src/mid/b.ts": 'import { a } from "../low/a";\nimport { c } from "../side/c";\nexport const b = a + c;\n',
      "src/side/c.ts": "export const c = 2;\n",
      "src/high/d.ts": 'export { b } from "../mid/b";\n',
    });
    expect(checkLayers(root, LAYERS)).toEqual([]);
  });

  it("fails on an upward import, a type-only one too", () => {
    const root = project({
      "src/low/a.ts": 'import type { B } from "../mid/b";\nexport type A = B;\n',
      "src/mid/b.ts": "export type B = number;\n",
    });
    expect(checkLayers(root, LAYERS)).toEqual(['src/low/a.ts: imports "../mid/b" from a higher layer (low → mid)']);
  });

  it("fails on a cycle between folders of one row, through a dynamic import", () => {
    const root = project({
      "src/mid/b.ts": 'import { c } from "../side/c";\nexport const b = c;\n',
      "src/side/c.ts": 'export const c = 2;\nexport const later = () => import("../mid/b");\n',
    });
    expect(checkLayers(root, LAYERS)).toEqual(["cycle between folders of src/: mid, side"]);
  });

  it("fails on a folder missing from the layer list, and on the sandbox importing src/", () => {
    const root = project({
      "src/extra/e.ts": "export const e = 1;\n",
      "src/low/a.ts": "export const a = 1;\n",
      "sandbox/src/s.ts": 'import { a } from "../../src/low/a";\nexport const s = a;\n',
    });
    expect(checkLayers(root, LAYERS)).toEqual([
      "src/extra/e.ts: src/extra/ is not in the layer list (scripts/check-layers.mjs)",
      'sandbox/src/s.ts: the sandbox imports "../../src/low/a" from src/',
    ]);
  });

  it("treats each admin feature folder as a layer: shared below features, features one way, no feature folder left out", () => {
    const layers = [["admin/shared"], ["admin/monitoring", "admin/tasks"], ["admin"]];
    const root = project({
      "src/admin/shared/access.ts": 'import { m } from "../monitoring/service";\nexport const access = m;\n',
      "src/admin/monitoring/service.ts": 'import { t } from "../tasks/service";\nexport const m = t;\n',
      "src/admin/tasks/service.ts": 'export const t = 1;\nexport const later = () => import("../monitoring/service");\n',
      "src/admin/pages.ts": 'export { m } from "./monitoring/service";\n',
      "src/admin/billing/page.ts": "export const p = 1;\n",
    });
    expect(checkLayers(root, layers)).toEqual([
      "src/admin/billing/page.ts: src/admin/billing/ is not in the layer list (scripts/check-layers.mjs)",
      'src/admin/shared/access.ts: imports "../monitoring/service" from a higher layer (admin/shared → admin/monitoring)',
      "cycle between folders of src/: admin/monitoring, admin/tasks",
    ]);
  });
});
