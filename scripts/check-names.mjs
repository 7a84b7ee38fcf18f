// Fails when two modules of src/ export a function of one name: a reader (or an import
// completion) must never have to guess which `syncTicket` is meant.
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceFiles } from "./check-layers.mjs";

const EXPORTED_FUNCTION =
  /^export (?:async )?function\*? ?([A-Za-z0-9_$]+)|^export const ([A-Za-z0-9_$]+)\s*=\s*(?:async\s*)?(?:\([^)]*\)|[A-Za-z0-9_$]+)\s*(?::[^=]+)?=>/gm;

/**
 * Every exported function name that more than one file of `root`/src declares, as lines for a person to read.
 * @param {string} root @returns {string[]}
 */
export function checkExportedNames(root) {
  /** @type {Map<string, string[]>} */
  const where = new Map();
  for (const file of sourceFiles(join(root, "src"))) {
    for (const m of readFileSync(file, "utf8").matchAll(EXPORTED_FUNCTION)) {
      const name = m[1] ?? m[2] ?? "";
      where.set(name, [...(where.get(name) ?? []), relative(root, file)]);
    }
  }
  return [...where].filter(([, files]) => files.length > 1).map(([name, files]) => `exported function "${name}" is declared in ${files.join(" and ")}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkExportedNames(resolve(dirname(fileURLToPath(import.meta.url)), ".."));
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`check-names: ${problems.length} name(s) exported by more than one module; give each its own name.`);
    process.exit(1);
  }
}
