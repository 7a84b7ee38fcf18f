// postinstall: applies the upstream fix for cloudflare/workers-sdk#15092 (PR #15106) to the
// pinned @cloudflare/vitest-pool-workers 0.15.1. Its Durable Object wrapper wrapped the
// class prototype in one more Proxy on every construction, so after N objects every
// method lookup walked N proxies: tests slowed as objects were created, and thousands of
// them ended in "RangeError: Maximum call stack size exceeded". The fixed releases need
// wrangler versions that need Node 22, so the pinned one is patched here. Test harness
// only: a deployed Worker never runs this code.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const HARNESS_FILE = fileURLToPath(
  new URL("../node_modules/@cloudflare/vitest-pool-workers/dist/worker/lib/cloudflare/test-internal.mjs", import.meta.url),
);

const BUGGY = "\tfunction Class(...args) {\n\t\tClass.prototype = new Proxy(Class.prototype, { get(target, key, receiver) {";
const FIXED = "\tlet proxyInstalled = false; // psa-sync: workers-sdk#15092\n\tfunction Class(...args) {\n\t\tif (!proxyInstalled) { proxyInstalled = true; Class.prototype = new Proxy(Class.prototype, { get(target, key, receiver) {";
const BUGGY_END = "\t\t} });\n\t\treturn Reflect.construct(superClass, args, Class);";
const FIXED_END = "\t\t} }); }\n\t\treturn Reflect.construct(superClass, args, Class);";

/**
 * The patched source, or null when `source` is not the known buggy release (already patched, or changed upstream).
 * @param {string} source
 * @returns {string | null}
 */
export function patchHarness(source) {
  const start = source.indexOf(BUGGY);
  if (start < 0) return null;
  const end = source.indexOf(BUGGY_END, start);
  if (end < 0) return null;
  return source.slice(0, start) + FIXED + source.slice(start + BUGGY.length, end) + FIXED_END + source.slice(end + BUGGY_END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // A production install (--omit=dev) has no test harness to patch.
  if (!existsSync(HARNESS_FILE)) process.exit(0);
  const source = readFileSync(HARNESS_FILE, "utf8");
  const patched = patchHarness(source);
  if (patched) {
    writeFileSync(HARNESS_FILE, patched);
    console.log("postinstall: patched vitest-pool-workers' Durable Object wrapper (workers-sdk#15092)");
  } else if (!source.includes("psa-sync: workers-sdk#15092")) {
    // Not fatal (install must still work), but test/tooling checks the behaviour itself.
    console.warn("postinstall: vitest-pool-workers changed; the workers-sdk#15092 patch was not applied (see scripts/patch-test-harness.mjs)");
  }
}
