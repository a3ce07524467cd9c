/**
 * Runs built workers in workerd through Miniflare's programmatic API: no
 * `wrangler dev`, so none of its proxy layers sit between the load and the
 * worker. The floor and the router are launched by this same function.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4WorkerOptions } from "miniflare";
import { unstable_splitSqlQuery } from "wrangler";
import type { Counts } from "./workers/counts.ts";
import type { BuiltWorker } from "./build.ts";
import { descendants } from "./proc.ts";

export const LAUNCH = "workerd via Miniflare's programmatic API (no wrangler dev proxy), in-memory D1/Durable Objects/Queues";

export interface WorkerdInstance {
  url: string;
  /** The workerd process (null where /proc is unavailable). */
  pid: number | null;
  /** Reads (and optionally resets) a worker's counters; the first worker is the entry. */
  counts(worker?: string, reset?: boolean): Promise<Counts>;
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

export async function launchWorkerd(workers: LaunchWorker[], options: { inspectorPort?: number } = {}): Promise<WorkerdInstance> {
  const before = new Set(descendants(process.pid, "workerd"));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      // Per-request logging goes through Node; it would be measured, not the worker.
      logRequests: false,
      // No request for Cloudflare's cf.json (offline): a built-in placeholder object.
      cf: false,
      log: new Log(LogLevel.WARN),
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
      workers: workers.map(
        ({ built, bindings }): V4WorkerOptions => ({
          ...built.options,
          modules: true,
          scriptPath: built.scriptPath,
          // Module names are relative to this; the config's rootPath (e.g. src/logger) is not an ancestor of the bundle.
          modulesRoot: dirname(built.scriptPath),
          bindings: { ...(built.options.bindings as Record<string, string> | undefined), ...bindings },
        }),
      ),
    }),
  );
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const started = descendants(process.pid, "workerd").filter((pid) => !before.has(pid));
  await migrate(mf, workers.map((w) => w.built));
  const entry = workers[0]!.built.name;
  return {
    url,
    pid: started.length === 1 ? started[0]! : null,
    async counts(worker = entry, reset = false) {
      const fetcher = await mf.getWorker(worker);
      const res = await fetcher.fetch(`http://bench/__bench/counts${reset ? "?reset=1" : ""}`);
      return (await res.json()) as Counts;
    },
    close: () => mf.dispose(),
  };
}
