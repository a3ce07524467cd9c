/**
 * The fixed-rate phase: every target at the same arrival rates, set as
 * fractions of the floor's capacity measured by the closed-loop run before
 * it, targets interleaved at each rate. Latency added = a target's
 * percentile minus the fake upstream's (called directly) at the same rate.
 */
import { runOpenLoopInChild, type OpenLoopRun } from "./open-loop.ts";
import { DEFAULT_REPLY, splitReply } from "../test/fake-upstream/scenario.ts";
import type { TargetId } from "./options.ts";
import { cpuMs } from "./proc.ts";
import { percentile } from "./summary.ts";
import type { Scenario, Target } from "./targets.ts";

export interface FixedRateOptions {
  fractions: number[];
  /** Streaming runs at this fraction only. */
  streamFraction: number;
  durationS: number;
  warmupS: number;
  connections: number;
  chunks: number;
  chunkDelayMs: number;
}

export interface RatePoint {
  ok: number;
  errors: number;
  firstError: string | null;
  /** Answers per second over the run (sending window and drain). */
  achievedPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  /** The same percentiles minus the fake's at the same rate (null for the fake itself). */
  addedP50Ms: number | null;
  addedP99Ms: number | null;
  addedP999Ms: number | null;
  /** Streaming: TTFB percentiles from the intended send time; non-empty content deltas per stream (min), reads carrying events (min), and the share of streams short of the upstream's deltas in either. */
  ttfbP50Ms: number | null;
  ttfbP99Ms: number | null;
  /** Streaming: intended send → first content delta, percentiles. */
  firstContentP50Ms: number | null;
  firstContentP99Ms: number | null;
  chunksMin: number | null;
  readsMin: number | null;
  coalescedShare: number | null;
  /** CPU per answered request of each of the target's processes (µs), by process name. */
  cpuUsPerRequest: Record<string, number | null>;
  /** The load generator: how late sends left (p99, max), Node's loop delay (p99), its CPU share of a core, peak in flight of the pool's connections. */
  generatorCpuPercent: number;
  sendLagP99Ms: number | null;
  sendLagMaxMs: number | null;
  loopDelayP99Ms: number;
  peakInFlight: number;
  connections: number;
}

export interface RateRow {
  fraction: number;
  ratePerSecond: number;
  points: Partial<Record<TargetId, RatePoint>>;
}

export interface FixedRateResult {
  floorCapacity: number;
  /** Streams per second the floor's thread could serve, estimated from its CPU per stream against per request. */
  floorStreamCapacity: number;
  plain: RateRow[];
  stream: RateRow[];
}

/** Non-empty content deltas the fake sends in a stream of `chunks` chunks (its reply split in `chunks` slices, the last ones empty when it is short). */
export const expectedDeltas = (chunks: number) => splitReply(DEFAULT_REPLY, chunks).filter(Boolean).length;

function processesOf(target: Target): { name: string; pid: number | null }[] {
  return target.processes ?? [{ name: target.id, pid: target.pid }];
}

function summarise(run: OpenLoopRun, cpu: Record<string, number | null>, chunks: number | null): RatePoint {
  // The two arrays are per stream, in the same order: a stream is short if it lost deltas or got two in one read.
  const short = chunks === null ? null : run.chunksPerStream.filter((c, i) => c < chunks || run.readsPerStream[i]! < chunks).length;
  return {
    ok: run.ok,
    errors: run.errors,
    firstError: run.firstError,
    achievedPerSecond: (run.ok * 1000) / run.elapsedMs,
    p50Ms: percentile(run.latenciesMs, 50),
    p99Ms: percentile(run.latenciesMs, 99),
    p999Ms: percentile(run.latenciesMs, 99.9),
    addedP50Ms: null,
    addedP99Ms: null,
    addedP999Ms: null,
    ttfbP50Ms: percentile(run.ttfbMs, 50),
    ttfbP99Ms: percentile(run.ttfbMs, 99),
    firstContentP50Ms: percentile(run.firstContentMs, 50),
    firstContentP99Ms: percentile(run.firstContentMs, 99),
    chunksMin: run.chunksPerStream.length ? Math.min(...run.chunksPerStream) : null,
    readsMin: run.readsPerStream.length ? Math.min(...run.readsPerStream) : null,
    coalescedShare: short === null || run.ok === 0 ? null : short / run.ok,
    cpuUsPerRequest: Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, ms === null || run.ok === 0 ? null : (ms * 1000) / run.ok])),
    sendLagP99Ms: percentile(run.sendLagMs, 99),
    sendLagMaxMs: run.sendLagMs.length ? Math.max(...run.sendLagMs) : null,
    loopDelayP99Ms: run.loopDelayP99Ms,
    generatorCpuPercent: (100 * run.generatorCpuMs) / run.elapsedMs,
    peakInFlight: run.peakInFlight,
    connections: run.connections,
  };
}

/** One measured run at a rate, after a warm-up at the same rate; CPU of every process of the target over the measured run. */
async function point(target: Target, scenario: Scenario, rate: number, options: FixedRateOptions, stream: boolean): Promise<RatePoint> {
  const spec = target.load(scenario);
  const load = (durationMs: number) => ({ ratePerSecond: rate, durationMs, connections: options.connections, drainTimeoutMs: 15_000 });
  if (options.warmupS > 0) await runOpenLoopInChild(spec, load(options.warmupS * 1000), stream);
  const processes = processesOf(target);
  const before = processes.map((p) => (p.pid === null ? null : cpuMs(p.pid)));
  const run = await runOpenLoopInChild(spec, load(options.durationS * 1000), stream);
  const cpu = Object.fromEntries(
    processes.map((p, i) => {
      const after = p.pid === null ? null : cpuMs(p.pid);
      const start = before[i];
      return [p.name, after && start ? after.total - start.total : null];
    }),
  );
  return summarise(run, cpu, stream ? expectedDeltas(options.chunks) : null);
}

function subtractDirect(row: RateRow): void {
  const direct = row.points.direct;
  if (!direct) return;
  const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  for (const [id, p] of Object.entries(row.points) as [TargetId, RatePoint][]) {
    if (id === "direct") continue;
    p.addedP50Ms = minus(p.p50Ms, direct.p50Ms);
    p.addedP99Ms = minus(p.p99Ms, direct.p99Ms);
    p.addedP999Ms = minus(p.p999Ms, direct.p999Ms);
  }
}

export async function measureFixedRate(
  targets: Target[],
  capacity: { floorRps: number; floorCpuUsPerRequest: number | null; floorCpuUsPerStream: number | null },
  options: FixedRateOptions,
  log: (line: string) => void,
): Promise<FixedRateResult> {
  const plainScenario: Scenario = { stream: false, fake: null };
  const streamScenario: Scenario = { stream: true, fake: { chunks: options.chunks, chunkDelayMs: options.chunkDelayMs } };
  // A stream costs the floor's thread more than a request: scale its capacity by their CPU (one workerd thread serves both).
  const perStream = capacity.floorCpuUsPerRequest && capacity.floorCpuUsPerStream ? capacity.floorCpuUsPerRequest / capacity.floorCpuUsPerStream : 0.25;
  const result: FixedRateResult = { floorCapacity: capacity.floorRps, floorStreamCapacity: capacity.floorRps * perStream, plain: [], stream: [] };
  for (const fraction of options.fractions) {
    const rate = Math.max(1, Math.round(capacity.floorRps * fraction));
    const row: RateRow = { fraction, ratePerSecond: rate, points: {} };
    for (const target of targets) {
      log(`  fixed rate ${rate}/s (${(fraction * 100).toFixed(0)}% of the floor)  ${target.label}`);
      row.points[target.id] = await point(target, plainScenario, rate, options, false);
    }
    subtractDirect(row);
    result.plain.push(row);
  }
  const streamRate = Math.max(1, Math.round(result.floorStreamCapacity * options.streamFraction));
  const row: RateRow = { fraction: options.streamFraction, ratePerSecond: streamRate, points: {} };
  for (const target of targets) {
    log(`  fixed rate ${streamRate} streams/s (${(options.streamFraction * 100).toFixed(0)}% of the floor's streams)  ${target.label}`);
    row.points[target.id] = await point(target, streamScenario, streamRate, { ...options, warmupS: Math.min(options.warmupS, 0.5) }, true);
  }
  subtractDirect(row);
  result.stream.push(row);
  return result;
}
