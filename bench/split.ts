/**
 * The production-like split: the router alone in one workerd process, and the
 * limiter's Durable Objects (AccountLimiter, RouteHealth), the logger (queue
 * consumer) and the D1 databases in a second. In production those run in
 * other isolates, usually on other machines; here the router's process
 * carries only the router, so its CPU per request is the router's own.
 *
 * How: Miniflare's dev registry (a private folder per run). The state
 * process starts first and runs the router's own bundle under another name,
 * so the Durable Object classes are the production ones; the router's
 * process binds LIMITER and ROUTE_HEALTH to that worker's classes, which
 * Miniflare serves through a proxy object that forwards each call over
 * workerd's debug port (Cap'n Proto over a loopback socket). D1 is shared
 * storage owned by the first process (every D1 call of the router crosses to
 * it; the warm path makes none). The queue broker stays in the router's
 * process (Miniflare runs the broker where the producer is) and hands each
 * batch to the consumer in the state process; the router packs its events,
 * so that is ~0.02 messages per request.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuiltWorker } from "./build.ts";
import { launchWorkerd, type LaunchWorker, type WorkerdInstance } from "./workerd.ts";

/** The state process's worker running the router's bundle for its Durable Object classes. */
export const STATE_WORKER = "router-state";

export interface SplitInstances {
  router: WorkerdInstance;
  state: WorkerdInstance;
  close(): Promise<void>;
}

/** The router's Durable Object bindings, pointed at the same classes in the state worker. */
function externalObjects(router: BuiltWorker): Record<string, unknown> {
  const bound = (router.options.durableObjects ?? {}) as Record<string, { className: string } & Record<string, unknown>>;
  return Object.fromEntries(Object.entries(bound).map(([name, designator]) => [name, { ...designator, scriptName: STATE_WORKER }]));
}

export async function launchSplit(
  built: { router: BuiltWorker; logger: BuiltWorker | null },
  bindings: Record<string, string>,
  options: { viaEntry: boolean; storageDir: string | null; inspectorPort?: number; stateInspectorPort?: number },
): Promise<SplitInstances> {
  const registryDir = mkdtempSync(join(tmpdir(), "emby-bench-registry-"));
  const sharedStorage = mkdtempSync(join(options.storageDir ?? tmpdir(), "emby-bench-shared-"));
  const cleanup = () => {
    rmSync(registryDir, { recursive: true, force: true });
    rmSync(sharedStorage, { recursive: true, force: true });
  };
  const shared = { registryDir, storageDir: sharedStorage };
  const stateWorkers: LaunchWorker[] = [{ built: { ...built.router, name: STATE_WORKER, options: { ...built.router.options, name: STATE_WORKER } }, bindings }];
  if (built.logger) stateWorkers.push({ built: built.logger, bindings: {} });
  let state: WorkerdInstance | null = null;
  try {
    // First: it owns the shared D1 storage and applies the migrations.
    state = await launchWorkerd(stateWorkers, {
      viaEntry: options.viaEntry,
      storageDir: options.storageDir,
      shared: { ...shared, migrate: true },
      ...(options.stateInspectorPort ? { inspectorPort: options.stateInspectorPort } : {}),
    });
    const router: LaunchWorker = { built: { ...built.router, options: { ...built.router.options, durableObjects: externalObjects(built.router) } }, bindings };
    const routerInstance = await launchWorkerd([router], {
      viaEntry: options.viaEntry,
      storageDir: options.storageDir,
      shared: { ...shared, migrate: false },
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    });
    const stateInstance = state;
    return {
      router: routerInstance,
      state: stateInstance,
      async close() {
        await routerInstance.close().catch(() => {});
        await stateInstance.close().catch(() => {});
        cleanup();
      },
    };
  } catch (err) {
    await state?.close().catch(() => {});
    cleanup();
    throw err;
  }
}
