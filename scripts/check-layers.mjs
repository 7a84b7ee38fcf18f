// Fails when a file in src/ imports from a higher layer, when top-level folders of src/ import
// each other in a cycle, or when sandbox/ imports src/ (docs/architecture.md, Layering).
// Type-only and dynamic imports count: they tie the folders together just the same.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * Bottom to top: a folder may import folders on lower rows; folders on one row may import each
 * other one way only (the cycle check). "." is src/'s own files (index.ts, app.tsx).
 */
export const LAYERS = [
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
  // The admin half: pages, the API and what they share.
  ["services"],
  ["views", "dev"],
  ["routes"],
  ["."],
];

const SOURCE = /\.(ts|tsx|mjs|js)$/;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Relative specifiers of every import, export-from and import() in a file, type-only ones included. */
const importsOf = (path) =>
  ts
    .preProcessFile(readFileSync(path, "utf8"), true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith("."));

/** The top-level folder of src/ a path is in ("." for src/'s own files), or null outside src/. */
function folderOf(srcDir, path) {
  const rel = relative(srcDir, path);
  if (rel.startsWith("..")) return null;
  const parts = rel.split(sep);
  return parts.length === 1 ? "." : parts[0];
}

/** Folder cycles: strongly connected components (Tarjan) with more than one folder. */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const found = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Every breach of the layering under `root`, as lines for a person to read. */
export function checkLayers(root, layers = LAYERS) {
  const srcDir = join(root, "src");
  const rowOf = new Map(layers.flatMap((row, i) => row.map((folder) => [folder, i])));
  const problems = [];
  const graph = new Map();
  for (const file of sourceFiles(srcDir)) {
    const from = folderOf(srcDir, file);
    if (!rowOf.has(from)) {
      problems.push(`${relative(root, file)}: folder src/${from}/ is not in the layer list (scripts/check-layers.mjs)`);
      continue;
    }
    for (const spec of importsOf(file)) {
      const to = folderOf(srcDir, resolve(dirname(file), spec));
      if (to === null || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from).add(to);
      if (rowOf.has(to) && rowOf.get(to) > rowOf.get(from)) problems.push(`${relative(root, file)}: imports "${spec}" from a higher layer (${from} → ${to})`);
    }
  }
  for (const component of cycles(graph)) problems.push(`cycle between folders of src/: ${component.join(", ")}`);
  const sandbox = join(root, "sandbox");
  for (const file of sourceFiles(sandbox).filter((f) => !f.includes(`${sep}node_modules${sep}`))) {
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
    console.error(`check-layers: ${problems.length} problem(s); the layer order is in scripts/check-layers.mjs and docs/architecture.md.`);
    process.exit(1);
  }
}
