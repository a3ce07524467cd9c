/**
 * The four things the benchmark loads, behind one shape: the fake upstream
 * itself, the floor and the router in workerd, and the Portkey peer on Node.
 * Every target answers the same chat request and reaches the same fake.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createBenchKeys } from "./accounts.ts";
import { buildFloor, buildFromConfig, LOGGER_CONFIG, ROUTER_CONFIG, type BuiltWorker } from "./build.ts";
import type { FakeProcess } from "./fake.ts";
import type { LoadTarget } from "./load.ts";
import type { TargetId } from "./options.ts";
import { startPeer } from "./peer.ts";
import { launchSplit } from "./split.ts";
import type { Counts } from "./workers/counts.ts";
import { EDGE_HEADERS, launchWorkerd, type LaunchWorker } from "./workerd.ts";

export interface Scenario {
  stream: boolean;
  /** Directive for the fake upstream; it travels in the prompt so every target forwards it. */
  fake: Record<string, unknown> | null;
}

export interface Target {
  id: TargetId;
  label: string;
  /** The process whose CPU and memory the report attributes to this target. */
  pid: number | null;
  load(scenario: Scenario): LoadTarget;
  /** Counters of the bench build (workerd targets only); the logger's too when there is one. */
  counts?(): Promise<Counts>;
  loggerCounts?(): Promise<Counts>;
  /** Every process of the target, for RSS and CPU per process (the soak, the split). */
  processes?: { name: string; pid: number | null }[];
  /** request_logs rows the logger has written so far. */
  logRows?(): Promise<number>;
  /** Inspector ports of its workerd processes, by process name (the soak samples their isolates' JavaScript heaps). */
  inspectors?: Record<string, number>;
  close(): Promise<void>;
}

function chatBody(model: string, scenario: Scenario): string {
  const directive = scenario.fake ? ` fake:${JSON.stringify(scenario.fake)}` : "";
  return JSON.stringify({ model, stream: scenario.stream, messages: [{ role: "user", content: `Say hello.${directive}` }] });
}

const JSON_HEADERS = { "content-type": "application/json" };
/** Any bearer satisfies the fake; the floor and the peer pass it through. */
const FAKE_AUTH = { authorization: "Bearer sk-bench-fake" };

export function directTarget(fake: FakeProcess): Target {
  return {
    id: "direct",
    label: "fake upstream (Node)",
    pid: fake.pid,
    load: (scenario) => ({ origin: fake.url, path: "/v1/chat/completions", headers: { ...JSON_HEADERS, ...FAKE_AUTH }, body: chatBody("gpt-4o-mini", scenario) }),
    close: async () => {},
  };
}

/** Headers a workerd target gets on top of the request's own: the edge's, unless Miniflare's entry worker adds them. */
const edge = (viaEntry: boolean) => (viaEntry ? {} : EDGE_HEADERS);

export async function floorTarget(fake: FakeProcess, router: BuiltWorker, viaEntry: boolean, storageDir: string | null, inspectorPort?: number): Promise<Target> {
  const floor = buildFloor(router);
  const instance = await launchWorkerd([{ built: floor, bindings: { UPSTREAM_ORIGIN: fake.url } }], { viaEntry, storageDir, ...(inspectorPort ? { inspectorPort } : {}) });
  const headers = { ...JSON_HEADERS, ...FAKE_AUTH, ...edge(viaEntry) };
  return {
    id: "floor",
    label: "floor (workerd)",
    pid: instance.pid,
    load: (scenario) => ({ origin: instance.url, path: "/v1/chat/completions", headers, body: chatBody("gpt-4o-mini", scenario) }),
    counts: () => instance.counts(),
    ...(inspectorPort ? { inspectors: { floor: inspectorPort } } : {}),
    close: () => instance.close(),
  };
}

/** The local configuration `npm run dev` uses (.dev.vars.example), pointed at this fake. */
function devVars(fakeUrl: string): Record<string, string> {
  const path = join(process.cwd(), ".dev.vars.example");
  const vars: Record<string, string> = {};
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replaceAll("http://127.0.0.1:8790", fakeUrl);
  }
  return vars;
}

export function buildRouter(): { router: BuiltWorker; logger: BuiltWorker | null } {
  const router = buildFromConfig("router", ROUTER_CONFIG);
  const logger = existsSync(LOGGER_CONFIG) ? buildFromConfig("logger", LOGGER_CONFIG) : null;
  return { router, logger };
}

export interface RouterSetup {
  /** Accounts (and keys) to spread the load over. */
  customers: number;
  inspectorPort?: number;
  /** The split's second process (limiter objects, logger), for heap sampling. */
  stateInspectorPort?: number;
  /** The --discard-queue experiment (bench/workers/counting.ts). */
  discardQueue: boolean;
  viaEntry: boolean;
  storageDir: string | null;
}

/** The router's vars and secrets: the local configuration, pointed at the fake. */
function routerBindings(fake: FakeProcess, built: { router: BuiltWorker }, setup: RouterSetup): Record<string, string> {
  const bindings = devVars(fake.url);
  if (setup.discardQueue) bindings.BENCH_DISCARD_QUEUE = "1";
  bindings.ADMIN_TOKEN ??= randomBytes(24).toString("hex");
  // The benchmark's model stays on OpenAI's own route, the path every earlier
  // run measured, so runs compare like for like; the local configuration
  // would otherwise serve it from the fake's Azure deployment (see
  // docs/performance.md for that route's cost).
  bindings.AZURE_OPENAI_EU_DEPLOYMENTS = "";
  // Local workerd cannot make Durable Object ids in a jurisdiction (as in scripts/stack.ts).
  if ("DURABLE_OBJECT_JURISDICTION" in built.router.vars) bindings.DURABLE_OBJECT_JURISDICTION = "none";
  return bindings;
}

/** The router's load: one bench account (and key) per connection, created through the operator API. */
async function routerLoad(url: string, adminToken: string, setup: RouterSetup, close: () => Promise<void>): Promise<Target["load"]> {
  const keys = await createBenchKeys(url, adminToken, setup.customers).catch(async (err: unknown) => {
    await close().catch(() => {});
    throw err;
  });
  return (scenario) => ({
    origin: url,
    path: "/v1/chat/completions",
    headers: { ...JSON_HEADERS, ...edge(setup.viaEntry) },
    perConnection: keys.map((key) => ({ authorization: `Bearer ${key}` })),
    body: chatBody("openai/gpt-4o-mini", scenario),
  });
}

/** request_logs rows the logger has written (the soak's drain check). */
const LOG_ROWS_SQL = "SELECT count(*) FROM request_logs";

/** Everything in one workerd process: router, limiter objects, queue broker, D1 and the logger. */
export async function routerTarget(fake: FakeProcess, built: { router: BuiltWorker; logger: BuiltWorker | null }, setup: RouterSetup): Promise<Target> {
  const bindings = routerBindings(fake, built, setup);
  const workers: LaunchWorker[] = [{ built: built.router, bindings }];
  if (built.logger) workers.push({ built: built.logger, bindings: {} });
  const instance = await launchWorkerd(workers, { viaEntry: setup.viaEntry, storageDir: setup.storageDir, ...(setup.inspectorPort ? { inspectorPort: setup.inspectorPort } : {}) });
  const load = await routerLoad(instance.url, bindings.ADMIN_TOKEN!, setup, () => instance.close());
  const label = `${built.logger ? "router+logger" : "router"}, one process (workerd)${setup.discardQueue ? ", queue discarded" : ""}`;
  const logging = built.logger && !setup.discardQueue;
  return {
    id: "router",
    label,
    pid: instance.pid,
    processes: [{ name: "router+limiter+logger", pid: instance.pid }],
    load,
    counts: () => instance.counts(),
    ...(logging ? { loggerCounts: () => instance.counts("logger"), logRows: () => instance.d1Number("logger", "LOGS_DB", LOG_ROWS_SQL) } : {}),
    close: () => instance.close(),
  };
}

/** The router alone in its process; limiter objects, logger and D1 in a second (bench/split.ts). */
export async function splitTarget(fake: FakeProcess, built: { router: BuiltWorker; logger: BuiltWorker | null }, setup: RouterSetup): Promise<Target> {
  const bindings = routerBindings(fake, built, setup);
  const ports = { ...(setup.inspectorPort ? { inspectorPort: setup.inspectorPort } : {}), ...(setup.stateInspectorPort ? { stateInspectorPort: setup.stateInspectorPort } : {}) };
  const split = await launchSplit(built, bindings, { viaEntry: setup.viaEntry, storageDir: setup.storageDir, ...ports });
  const load = await routerLoad(split.router.url, bindings.ADMIN_TOKEN!, setup, () => split.close());
  const logging = built.logger && !setup.discardQueue;
  return {
    id: "split",
    label: `router, split (workerd; limiter+logger in a 2nd process)${setup.discardQueue ? ", queue discarded" : ""}`,
    pid: split.router.pid,
    processes: [
      { name: "router", pid: split.router.pid },
      { name: "limiter+logger+D1", pid: split.state.pid },
    ],
    load,
    counts: () => split.router.counts(),
    ...(logging ? { loggerCounts: () => split.state.counts("logger"), logRows: () => split.state.d1Number("logger", "LOGS_DB", LOG_ROWS_SQL) } : {}),
    ...(setup.inspectorPort && setup.stateInspectorPort ? { inspectors: { router: setup.inspectorPort, "limiter+logger+D1": setup.stateInspectorPort } } : {}),
    close: () => split.close(),
  };
}

export async function peerTarget(fake: FakeProcess): Promise<Target> {
  const peer = await startPeer();
  const headers = { ...JSON_HEADERS, ...FAKE_AUTH, "x-portkey-provider": "openai", "x-portkey-custom-host": `${fake.url}/v1` };
  return {
    id: "peer",
    label: `Portkey ${peer.version} (Node)`,
    pid: peer.pid,
    load: (scenario) => ({ origin: peer.url, path: "/v1/chat/completions", headers, body: chatBody("gpt-4o-mini", scenario) }),
    close: () => peer.close(),
  };
}
