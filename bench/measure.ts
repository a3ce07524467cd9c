/**
 * Runs the loads against the targets: warm-up, then a measured run while the
 * target's process is watched and its bindings counted. With several rounds,
 * the target order alternates and samples are pooled.
 */
import type { FakeProcess } from "./fake.ts";
import { runPlain, runStream, type PlainRun, type StreamRun } from "./load.ts";
import type { BenchOptions, TargetId } from "./options.ts";
import { watchProcess, type ProcessUsage } from "./proc.ts";
import { summarisePlain, summariseStream, type PlainSummary, type StreamSummary } from "./summary.ts";
import type { Scenario, Target } from "./targets.ts";
import type { Counts } from "./workers/counts.ts";

export interface Cost {
  /** Requests the worker handled during the measured runs. */
  requests: number;
  /** Per request: binding calls counted inside the worker. */
  perRequest: Omit<Counts, "requests" | "queueBatchesConsumed" | "queueMessagesConsumed" | "queueEventsConsumed">;
  /** Chat requests the fake upstream received, per request. */
  upstreamSeenPerRequest: number;
}

export interface LoggerCost {
  eventsConsumed: number;
  messagesConsumed: number;
  batches: number;
  d1StatementsPerEvent: number | null;
  /** Messages sent by the router and not consumed when the run ended. */
  backlog: number;
  /** Since the router started: the requests it handled (each yields one log event) and the events the logger received. */
  routerRequests: number;
  eventsReceived: number;
}

export interface Measurement {
  plain: Partial<Record<TargetId, PlainSummary>>;
  stream: Partial<Record<TargetId, StreamSummary>>;
  cost: { plain: Partial<Record<TargetId, Cost>>; stream: Partial<Record<TargetId, Cost>> };
  logger: LoggerCost | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function diffCounts(after: Counts, before: Counts): Counts {
  const out = { ...after };
  for (const key of Object.keys(out) as (keyof Counts)[]) out[key] = after[key] - before[key];
  return out;
}

function toCost(diff: Counts, upstreamSeen: number): Cost {
  const n = Math.max(1, diff.requests);
  const per = (v: number) => v / n;
  return {
    requests: diff.requests,
    perRequest: {
      d1Statements: per(diff.d1Statements),
      d1Batches: per(diff.d1Batches),
      durableObjectCalls: per(diff.durableObjectCalls),
      durableObjectCallsAfterResponse: per(diff.durableObjectCallsAfterResponse),
      queueSends: per(diff.queueSends),
      queueMessages: per(diff.queueMessages),
      serviceCalls: per(diff.serviceCalls),
      fetches: per(diff.fetches),
    },
    upstreamSeenPerRequest: per(upstreamSeen),
  };
}

/** Waits (bounded) until the logger has consumed what the router sent, so its work does not spill into the next run. */
async function drainLogger(target: Target): Promise<void> {
  if (!target.counts || !target.loggerCounts) return;
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const [router, logger] = await Promise.all([target.counts(), target.loggerCounts()]);
    // Every request the router handled yields one event; the last ones leave up to a batch window later.
    if (logger.queueMessagesConsumed >= router.queueMessages && logger.queueEventsConsumed >= router.requests) return;
    await sleep(100);
  }
}

interface Pooled<R> {
  run: R | null;
  usage: ProcessUsage | null;
  counts: Counts | null;
  upstreamSeen: number;
}

/** Pools two runs of the same kind: sample arrays concatenated, counters and times added. */
function pool<R extends PlainRun>(into: R | null, run: R): R {
  if (!into) return run;
  const merged: Record<string, unknown> = { ...(into as object) };
  for (const [key, value] of Object.entries(run)) {
    const prev = merged[key];
    if (Array.isArray(value)) merged[key] = [...(prev as unknown[]), ...value];
    else if (typeof value === "number") merged[key] = (prev as number) + value;
  }
  return merged as unknown as R;
}

function poolUsage(into: ProcessUsage | null, u: ProcessUsage): ProcessUsage {
  if (!into) return u;
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  const add = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
  return { rssIdleMiB: into.rssIdleMiB, rssPeakMiB: max(into.rssPeakMiB, u.rssPeakMiB), cpuMs: add(into.cpuMs, u.cpuMs), sysMs: add(into.sysMs, u.sysMs) };
}

/** The targets running the router's own code (profiled with --profile). */
const ROUTERS = new Set<TargetId>(["router", "split"]);

export interface MeasureHooks {
  /** Called around the first measured run of each load of the router targets, one process and split (CPU profiling). */
  aroundRouter?<R extends PlainRun>(target: TargetId, load: "plain" | "stream", run: () => Promise<R>): Promise<R>;
  log(line: string): void;
}

async function measureOne<R extends PlainRun>(
  target: Target,
  fake: FakeProcess,
  warmupMs: number,
  go: (durationMs: number) => Promise<R>,
  durationMs: number,
  pooled: Pooled<R>,
  wrap: ((run: () => Promise<R>) => Promise<R>) | undefined,
): Promise<void> {
  if (warmupMs > 0) await go(warmupMs);
  const countsBefore = target.counts ? await target.counts() : null;
  const seenBefore = await fake.chatRequests();
  const watch = watchProcess(target.pid);
  const run = wrap ? await wrap(() => go(durationMs)) : await go(durationMs);
  const usage = watch.stop();
  // Work after the response (waitUntil: queue send, limiter release) settles before counting.
  await sleep(300);
  const countsAfter = target.counts ? await target.counts() : null;
  pooled.upstreamSeen += (await fake.chatRequests()) - seenBefore;
  if (countsBefore && countsAfter) {
    const diff = diffCounts(countsAfter, countsBefore);
    pooled.counts = pooled.counts ? addCounts(pooled.counts, diff) : diff;
  }
  pooled.run = pool(pooled.run, run);
  pooled.usage = poolUsage(pooled.usage, usage);
  await drainLogger(target);
}

function addCounts(a: Counts, b: Counts): Counts {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof Counts)[]) out[key] = a[key] + b[key];
  return out;
}

export async function measure(targets: Target[], fake: FakeProcess, options: BenchOptions, hooks: MeasureHooks): Promise<Measurement> {
  const result: Measurement = { plain: {}, stream: {}, cost: { plain: {}, stream: {} }, logger: null };
  const loggerStart = await Promise.all(targets.map((t) => t.loggerCounts?.() ?? null));
  const plainScenario: Scenario = { stream: false, fake: null };
  const streamScenario: Scenario = { stream: true, fake: { chunks: options.chunks, chunkDelayMs: options.chunkDelayMs } };
  const load = (connections: number, durationMs: number) => ({ connections, durationMs, maxRequests: options.maxRequests });

  const plain = new Map<TargetId, Pooled<PlainRun>>(targets.map((t) => [t.id, { run: null, usage: null, counts: null, upstreamSeen: 0 }]));
  const stream = new Map<TargetId, Pooled<StreamRun>>(targets.map((t) => [t.id, { run: null, usage: null, counts: null, upstreamSeen: 0 }]));

  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      hooks.log(`  non-streaming  ${target.label}${options.rounds > 1 ? `  (round ${round + 1})` : ""}`);
      const spec = target.load(plainScenario);
      const wrap = ROUTERS.has(target.id) && round === 0 && hooks.aroundRouter ? (run: () => Promise<PlainRun>) => hooks.aroundRouter!(target.id, "plain", run) : undefined;
      await measureOne(target, fake, options.warmup * 1000, (ms) => runPlain(spec, load(options.connections, ms)), options.duration * 1000, plain.get(target.id)!, wrap);
    }
    for (const target of order) {
      hooks.log(`  streaming      ${target.label}${options.rounds > 1 ? `  (round ${round + 1})` : ""}`);
      const spec = target.load(streamScenario);
      // A short warm-up suffices: the connections and code paths are the non-streaming ones.
      const wrap = ROUTERS.has(target.id) && round === 0 && hooks.aroundRouter ? (run: () => Promise<StreamRun>) => hooks.aroundRouter!(target.id, "stream", run) : undefined;
      await measureOne(target, fake, Math.min(options.warmup, 0.5) * 1000, (ms) => runStream(spec, load(options.streamConnections, ms)), options.streamDuration * 1000, stream.get(target.id)!, wrap);
    }
  }

  for (const target of targets) {
    const p = plain.get(target.id)!;
    const s = stream.get(target.id)!;
    result.plain[target.id] = summarisePlain(p.run!, p.usage!);
    result.stream[target.id] = summariseStream(s.run!, s.usage!, options.chunks);
    if (p.counts) result.cost.plain[target.id] = toCost(p.counts, p.upstreamSeen);
    if (s.counts) result.cost.stream[target.id] = toCost(s.counts, s.upstreamSeen);
  }

  const routerIndex = targets.findIndex((t) => t.loggerCounts);
  const router = targets[routerIndex];
  const loggerBefore = loggerStart[routerIndex];
  if (router?.loggerCounts && router.counts && loggerBefore) {
    const [logger, sent] = await Promise.all([router.loggerCounts(), router.counts()]);
    const diff = diffCounts(logger, loggerBefore);
    result.logger = {
      eventsConsumed: diff.queueEventsConsumed,
      messagesConsumed: diff.queueMessagesConsumed,
      batches: diff.queueBatchesConsumed,
      d1StatementsPerEvent: diff.queueEventsConsumed > 0 ? diff.d1Statements / diff.queueEventsConsumed : null,
      backlog: sent.queueMessages - logger.queueMessagesConsumed,
      routerRequests: sent.requests,
      eventsReceived: logger.queueEventsConsumed,
    };
  }
  return result;
}
