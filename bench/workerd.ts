/**
 * Runs built workers in workerd through Miniflare's programmatic API: no
 * `wrangler dev`, so none of its proxy layers sit between the load and the
 * worker. The floor and the router are launched by this same function.
 *
 * Requests reach the entry worker on a direct workerd socket (Miniflare's
 * `unsafeDirectSockets`), as under `workerd serve`: Miniflare's own entry
 * worker, a JavaScript hop that cost ~0.35 ms of CPU per request in our
 * measurements, is bypassed unless `viaEntry` asks for it. Outbound fetches
 * still pass Miniflare's outbound interceptor worker, for floor and router alike.
 */
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4WorkerOptions } from "miniflare";
import { unstable_splitSqlQuery } from "wrangler";
import type { Counts } from "./workers/counts.ts";
import type { BuiltWorker } from "./build.ts";
import { descendants } from "./proc.ts";

export function launchDescription(viaEntry: boolean, storageDir: string | null): string {
  const inbound = viaEntry ? "requests through Miniflare's entry worker" : "requests on a direct workerd socket (Miniflare's entry worker bypassed)";
  const storage = storageDir ? `on tmpfs (${storageDir})` : "on disk (the OS temp folder, fsync on every commit)";
  return `workerd ${workerdVersion()} via Miniflare's programmatic API, no wrangler dev proxy; ${inbound}; outbound fetches through Miniflare's outbound interceptor; simulated D1, Durable Object and Queue storage ${storage}`;
}

/** A RAM-backed folder for simulated storage, where the machine has one. */
const TMPFS = "/dev/shm";
/** Free space tmpfs must have to be used: a run writes tens of MB (each limiter object's SQLite WAL reaches ~4 MB). */
const TMPFS_MIN_FREE_BYTES = 1024 ** 3;

/** Storage folders of instances not yet closed: removed when the process exits, however it ends. */
const liveStorage = new Set<string>();
process.on("exit", () => {
  for (const dir of liveStorage) rmSync(dir, { recursive: true, force: true });
});

/**
 * Where Miniflare keeps the simulated D1, Durable Object and Queue storage.
 * In production those are other machines' work and their durability costs
 * the router nothing; locally they share the worker's one workerd thread, and
 * SQLite's fsync on every commit blocks that thread (on this machine's disk
 * it cut the router's throughput by ~40%). So the default is tmpfs; `onDisk`
 * (--disk-storage) measures the disk for comparison. Null: Miniflare's
 * default, the OS temp folder (also when tmpfs is missing, read-only or
 * short of space, e.g. a container's 64 MB /dev/shm).
 */
export function storageDir(onDisk: boolean): string | null {
  if (onDisk || !existsSync(TMPFS)) return null;
  try {
    accessSync(TMPFS, constants.W_OK);
    const { bavail, bsize } = statfsSync(TMPFS);
    return bavail * bsize >= TMPFS_MIN_FREE_BYTES ? TMPFS : null;
  } catch {
    return null;
  }
}

/**
 * What the edge hands a worker with each request, sent by the load generator
 * on direct sockets (workerd reads request.cf from this header): the router
 * logs the colo and the client IP.
 */
export const EDGE_HEADERS: Readonly<Record<string, string>> = {
  "mf-cf-blob": JSON.stringify({ colo: "FRA", country: "DE", asn: 3320, httpProtocol: "HTTP/1.1", tlsVersion: "TLSv1.3" }),
  "cf-connecting-ip": "203.0.113.7",
};

/** The workerd release Miniflare runs (its own dependency, not necessarily the hoisted one). */
export function workerdVersion(): string {
  try {
    const require = createRequire(createRequire(import.meta.url).resolve("miniflare"));
    return (JSON.parse(readFileSync(require.resolve("workerd/package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

export interface WorkerdInstance {
  url: string;
  /** The workerd process (null where /proc is unavailable). */
  pid: number | null;
  /** Reads (and optionally resets) a worker's counters; the first worker is the entry. */
  counts(worker?: string, reset?: boolean): Promise<Counts>;
  /** A number a SQL query returns from a worker's D1 database (first column of the first row). */
  d1Number(worker: string, binding: string, sql: string): Promise<number>;
  close(): Promise<void>;
}

export interface LaunchWorker {
  built: BuiltWorker;
  /** Vars and secrets, over the config's own. */
  bindings: Record<string, string>;
}

/** Applies every migration file of every D1 database once (workers may share a database). */
async function migrate(mf: Miniflare, workers: BuiltWorker[]): Promise<void> {
  const done = new Set<string>();
  for (const worker of workers) {
    for (const db of worker.d1) {
      if (!db.dir || done.has(db.databaseId)) continue;
      done.add(db.databaseId);
      const d1 = await mf.getD1Database(db.binding, worker.name);
      for (const file of readdirSync(db.dir).filter((f) => f.endsWith(".sql")).sort()) {
        const statements = unstable_splitSqlQuery(readFileSync(join(db.dir, file), "utf8"));
        await d1.batch(statements.map((sql) => d1.prepare(sql)));
      }
    }
  }
}

export interface LaunchOptions {
  inspectorPort?: number;
  /** Route requests through Miniflare's entry worker instead of a direct socket. */
  viaEntry?: boolean;
  /** Parent folder of this instance's simulated storage (see storageDir); null: Miniflare's default. */
  storageDir?: string | null;
  /**
   * Several workerd processes as one deployment (bench/split.ts): a private
   * dev registry through which bindings to workers of the other instance
   * resolve, and simulated D1 storage shared through the registry (the first
   * instance started owns it and applies the migrations).
   */
  shared?: { registryDir: string; storageDir: string; migrate: boolean };
}

export async function launchWorkerd(workers: LaunchWorker[], options: LaunchOptions = {}): Promise<WorkerdInstance> {
  const direct = !options.viaEntry;
  const before = new Set(descendants(process.pid, "workerd"));
  const persistence = options.storageDir || options.shared ? mkdtempSync(join(options.storageDir ?? tmpdir(), "emby-bench-")) : null;
  if (persistence) liveStorage.add(persistence);
  const removeStorage = () => {
    if (!persistence) return;
    rmSync(persistence, { recursive: true, force: true });
    liveStorage.delete(persistence);
  };
  const mf = new Miniflare({
    ...convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      // Per-request logging goes through Node; it would be measured, not the worker.
      logRequests: false,
      // No request for Cloudflare's cf.json (offline): a built-in placeholder object.
      cf: false,
      log: new Log(LogLevel.WARN),
      ...(persistence && !options.shared ? { resourcePersistencePath: persistence } : {}),
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
      workers: workers.map(
        ({ built, bindings }, index): V4WorkerOptions => ({
          ...built.options,
          ...(index === 0 && direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
          modules: true,
          scriptPath: built.scriptPath,
          // Module names are relative to this; the config's rootPath (e.g. src/logger) is not an ancestor of the bundle.
          modulesRoot: dirname(built.scriptPath),
          bindings: { ...(built.options.bindings as Record<string, string> | undefined), ...bindings },
        }),
      ),
    }),
    // Shared storage is not among the v4 options: set on the converted ones.
    ...(options.shared
      ? {
          enableDevRegistry: true,
          unsafeDevRegistryPath: options.shared.registryDir,
          unsafeEnableSharedStorage: true,
          resourcePersistencePath: options.shared.storageDir,
          isolatedResourcePersistencePath: persistence!,
        }
      : {}),
  });
  const close = async () => {
    await mf.dispose();
    removeStorage();
  };
  try {
    const ready = await mf.ready;
    const url = (direct ? await mf.unsafeGetDirectURL(workers[0]!.built.name) : ready).toString().replace(/\/$/, "");
    const started = descendants(process.pid, "workerd").filter((pid) => !before.has(pid));
    if (options.shared?.migrate !== false) await migrate(mf, workers.map((w) => w.built));
    const entry = workers[0]!.built.name;
    return {
      url,
      pid: started.length === 1 ? started[0]! : null,
      async counts(worker = entry, reset = false) {
        const fetcher = await mf.getWorker(worker);
        const res = await fetcher.fetch(`http://bench/__bench/counts${reset ? "?reset=1" : ""}`);
        return (await res.json()) as Counts;
      },
      async d1Number(worker, binding, sql) {
        const db = await mf.getD1Database(binding, worker);
        const row = await db.prepare(sql).raw();
        return Number(row[0]?.[0] ?? NaN);
      },
      close,
    };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
