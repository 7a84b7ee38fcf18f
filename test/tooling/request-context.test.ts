import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "../../scripts/check-layers.mjs";
import { ROOT } from "../../scripts/local-stack.mjs";

/** Every source file of the admin half, with its text. */
const adminFiles = () => sourceFiles(join(ROOT, "src", "admin")).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, "utf8") }));
const filesMatching = (pattern: RegExp) =>
  adminFiles()
    .filter((f) => pattern.test(f.text))
    .map((f) => f.path);

describe("the admin half's request context and rendering", () => {
  it("opens D1 once per request, in the init middleware only", () => {
    expect(filesMatching(/\bcreateDb\(/)).toEqual(["src/admin/shared/context.ts"]);
  });

  it("renders every page through the layout renderer (c.render), never c.html", () => {
    expect(filesMatching(/\bc\.html\(/)).toEqual([]);
  });
});
