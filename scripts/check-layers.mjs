// Fails when a file in src/ imports from a higher layer, when top-level folders of src/ import
// each other in a cycle, or when sandbox/ imports src/ (docs/architecture.md, "Layering").
// Type-only and dynamic imports count: they tie the folders together just the same.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * Bottom to top: a folder may import folders on lower rows; folders on one row may import each
 * other one way only (the cycle check). "." is src/'s own files (index.ts, app.tsx).
 * @type {string[][]}
 */
const LAYERS = [
  ["lib", "limits"],
  ["domain"],
  ["db"],
  // Request, response and payload shapes; API responses derive from db/schema.ts (drizzle-zod).
  ["schemas"],
  ["egress"],
  ["jobs", "alerts"],
  ["connectors"],
  ["sync"],
  ["cron", "queues", "feed", "webhooks", "durable-objects"],
  // The admin half, one folder per feature: what every feature shares (session, access, the
  // API's plumbing, the layout), the features (one way between them), then the apps mounting them.
  ["admin/shared"],
  ["admin/accounts", "admin/configuration", "admin/monitoring", "admin/operator", "admin/tasks"],
  ["admin"],
  // The local demo (it seeds through admin services), the non-admin HTTP edges, the Worker.
  ["dev"],
  ["routes"],
  ["."],
];

/** Folders of src/ whose subfolders are layers of their own ("admin/monitoring"). */
const SPLIT = new Set(["admin"]);

const SOURCE = /\.(ts|tsx|mjs|js)$/;

/** @param {string} dir @returns {string[]} */
export function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules") return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Relative specifiers of every import, export-from and import() in a file, type-only ones included. @param {string} path */
const importsOf = (path) =>
  ts
    .preProcessFile(readFileSync(path, "utf8"), true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith("."));

/**
 * The folder of src/ a path is in, as the layer list names it: its top-level folder, or
 * "admin/<feature>" under a split folder; "." for src/'s own files; null outside src/.
 * @param {string} srcDir @param {string} path
 */
function folderOf(srcDir, path) {
  const rel = relative(srcDir, path);
  if (rel.startsWith("..")) return null;
  const parts = rel.split(sep);
  if (parts.length === 1) return ".";
  const top = parts[0] ?? ".";
  return SPLIT.has(top) && parts.length > 2 ? `${top}/${parts[1]}` : top;
}

/** Folders reachable from `start` along imports. @param {Map<string, Set<string>>} graph @param {string} start */
function reachable(graph, start) {
  const seen = new Set();
  const todo = [...(graph.get(start) ?? [])];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(graph.get(next) ?? []));
  }
  return seen;
}

/** Groups of folders that reach each other (each cycle once). @param {Map<string, Set<string>>} graph */
function cycles(graph) {
  const reach = new Map([...graph.keys()].map((f) => [f, reachable(graph, f)]));
  const groups = new Map();
  for (const [folder, targets] of reach) {
    const group = [folder, ...[...targets].filter((t) => t !== folder && reach.get(t)?.has(folder))].sort();
    if (group.length > 1) groups.set(group.join(", "), group);
  }
  return [...groups.keys()];
}

/**
 * Every breach of the layering under `root`, as lines for a person to read.
 * @param {string} root @param {string[][]} layers @returns {string[]}
 */
export function checkLayers(root, layers = LAYERS) {
  const srcDir = join(root, "src");
  const rowOf = new Map(layers.flatMap((row, i) => row.map((folder) => [folder, i])));
  /** @type {string[]} */
  const problems = [];
  /** @type {Map<string, Set<string>>} */
  const graph = new Map();
  for (const file of sourceFiles(srcDir)) {
    const from = folderOf(srcDir, file) ?? ".";
    const fromRow = rowOf.get(from);
    if (fromRow === undefined) {
      problems.push(`${relative(root, file)}: src/${from}/ is not in the layer list (scripts/check-layers.mjs)`);
      continue;
    }
    for (const spec of importsOf(file)) {
      const to = folderOf(srcDir, resolve(dirname(file), spec));
      if (to === null || to === from) continue;
      graph.set(from, (graph.get(from) ?? new Set()).add(to));
      if ((rowOf.get(to) ?? -1) > fromRow) problems.push(`${relative(root, file)}: imports "${spec}" from a higher layer (${from} → ${to})`);
    }
  }
  for (const cycle of cycles(graph)) problems.push(`cycle between folders of src/: ${cycle}`);
  for (const file of sourceFiles(join(root, "sandbox"))) {
    for (const spec of importsOf(file)) {
      if (folderOf(srcDir, resolve(dirname(file), spec)) !== null) problems.push(`${relative(root, file)}: the sandbox imports "${spec}" from src/`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkLayers(resolve(dirname(fileURLToPath(import.meta.url)), ".."));
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`check-layers: ${problems.length} problem(s); the layer order is in scripts/check-layers.mjs (docs/architecture.md, "Layering").`);
    process.exit(1);
  }
}
