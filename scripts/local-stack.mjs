// Starts the local stack pieces (wrangler dev processes, local migrations, demo seed).
// Shared by `npm start` and the browser tests, so both run the platform the same way.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// Run by this Node (the project's Node 22 under npm scripts), never whichever `node` is first on PATH.
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/**
 * Makes sure .dev.vars holds the local secrets: an ENCRYPTION_KEY (generated once, then
 * kept, so stored data stays readable), a PASSWORD_PEPPER (likewise: changing it breaks
 * every peppered password) and the sandbox's demo OAuth client secret.
 */
export function ensureDevVars(file = join(ROOT, ".dev.vars")) {
  let current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const add = (/** @type {string} */ name, /** @type {string} */ value) => {
    if (new RegExp(`^${name}=`, "m").test(current)) return;
    current = `${current}${current && !current.endsWith("\n") ? "\n" : ""}${name}=${value}\n`;
  };
  add("ENCRYPTION_KEY", randomBytes(32).toString("base64"));
  add("PORTAL_OAUTH_CLIENT_SECRET", "psa-sync-demo-secret");
  add("PASSWORD_PEPPER", randomBytes(32).toString("base64"));
  writeFileSync(file, current, { mode: 0o600 });
  return file;
}

/** Applies D1 migrations to the local database (idempotent). */
export function applyLocalMigrations({ persistTo } = /** @type {{ persistTo?: string }} */ ({})) {
  const args = ["d1", "migrations", "apply", "DB", "--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
  const res = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  if (res.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** Whether `port` can be bound on localhost right now. */
function portFree(/** @type {number} */ port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Ports handed out by this process, so two calls never return the same one. */
const handedOut = new Set();

/**
 * A free TCP port on localhost, below Linux's ephemeral range (32768+) so that the
 * sockets workerd opens on port 0 while another Worker starts cannot take it meanwhile.
 * @returns {Promise<number>}
 */
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port) || !(await portFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error("no free port found between 20000 and 32000");
}

/**
 * Where `wrangler dev` keeps a Worker's local storage: `persistTo`, or wrangler's default
 * `.wrangler/state` beside the Worker's config file.
 * @param {{ config?: string, persistTo?: string }} opts
 */
export function stateDirOf(opts) {
  return opts.persistTo ? resolve(ROOT, opts.persistTo) : resolve(ROOT, dirname(opts.config ?? "wrangler.jsonc"), ".wrangler/state");
}

/** State directories of the Workers this process has running, and which Worker has each. */
const stateDirsInUse = new Map();

/**
 * Reserves a Worker's state directory. Two workerd processes on one directory share its
 * SQLite files, and the second dies with SQLITE_BUSY at start (seen in CI): refuse that.
 * @param {string} dir @param {string} owner
 * @returns {() => void} releases it
 */
export function claimStateDir(dir, owner) {
  const held = stateDirsInUse.get(dir);
  if (held) throw new Error(`${owner} cannot use ${dir}: ${held} already keeps its state there (give each Worker its own directory)`);
  stateDirsInUse.set(dir, owner);
  return () => {
    if (stateDirsInUse.get(dir) === owner) stateDirsInUse.delete(dir);
  };
}

/**
 * Joins each object the Worker logs back into one line: wrangler prints it inspected over
 * several lines when long (`{` … `}`; a warning or error as `▲ [WARNING] {` … `  }`).
 * Other lines pass through as they are.
 * @param {(line: string) => void} onLine
 * @returns {(line: string) => void} one stream's lines, in order
 */
export function foldLoggedObjects(onLine) {
  /** @type {string[] | null} */
  let open = null;
  let closer = "";
  return (line) => {
    const plain = stripVTControlCharacters(line);
    if (open === null) {
      const opener = /^(?:(?:▲ \[WARNING\]|✘ \[ERROR\]) )?\{$/.exec(plain.trimEnd());
      if (!opener) return onLine(line);
      open = [plain.trimEnd()];
      closer = opener[0] === "{" ? "}" : "  }";
      return;
    }
    if (plain.trim()) open.push(plain.trim());
    // A block that never closes (a cut-off print) is let go rather than held forever.
    if (plain.trimEnd() === closer || open.length > 200) {
      onLine(open.join(" "));
      open = null;
    }
  };
}

/**
 * Starts `wrangler dev` in its own process group, on a state directory no other Worker
 * of this process uses.
 * @param {{ name: string, config?: string, port: number, inspectorPort: number, vars?: Record<string, string>,
 *           persistTo?: string, envFile?: string, onLine?: (line: string) => void }} opts
 */
export function startWorker(opts) {
  const release = claimStateDir(stateDirOf(opts), opts.name);
  const args = [
    "dev",
    ...(opts.config ? ["-c", opts.config] : []),
    "--port",
    String(opts.port),
    "--inspector-port",
    String(opts.inspectorPort),
    "--ip",
    "127.0.0.1",
    "--show-interactive-dev-session=false",
    ...(opts.persistTo ? ["--persist-to", opts.persistTo] : []),
    ...(opts.envFile ? ["--env-file", opts.envFile] : []),
    ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  // Offline-friendly: no Request.cf download from Cloudflare, no usage metrics.
  const env = { ...process.env, FORCE_COLOR: "0", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
  const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  child.once("exit", release);
  const onLine = opts.onLine ?? (() => {});
  for (const stream of [child.stdout, child.stderr]) {
    const emit = foldLoggedObjects(onLine);
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) emit(line);
    });
  }
  return {
    child,
    url: `http://localhost:${opts.port}`,
    stop() {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/**
 * Waits until `url` answers with `status`, or throws after `timeoutMs`.
 * @param {string} url
 */
export async function waitForHttp(url, { status = 200, timeoutMs = 90_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === status) return res;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/**
 * Seeds the demo tenant through the local-only route (idempotent).
 * @param {string} adminUrl
 * @param {string} [sandboxUrl] where the demo tenant's connections point (default :8788)
 */
export async function seedDemo(adminUrl, sandboxUrl) {
  const res = await fetch(`${adminUrl}/_dev/seed-demo`, {
    method: "POST",
    headers: { origin: adminUrl, "content-type": "application/json" },
    body: JSON.stringify(sandboxUrl ? { sandboxUrl } : {}),
  });
  if (!res.ok) throw new Error(`Demo seed failed: HTTP ${res.status} ${await res.text()}`);
  return /** @type {{ tenantId: string, created: string[], settings: string, push: string, feed: string }} */ (await res.json());
}
