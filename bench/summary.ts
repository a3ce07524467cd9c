/** Turns raw runs into the figures the report prints and the JSON keeps. */
import type { PlainRun, StreamRun } from "./load.ts";
import type { ProcessUsage } from "./proc.ts";

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Usage {
  /** CPU time of the target's process per completed request (µs), and the kernel's share (%). */
  cpuUsPerRequest: number | null;
  cpuSysPercent: number | null;
  rssIdleMiB: number | null;
  rssPeakMiB: number | null;
}

function usage(proc: ProcessUsage, ok: number): Usage {
  return {
    cpuUsPerRequest: proc.cpuMs !== null && ok > 0 ? (proc.cpuMs * 1000) / ok : null,
    cpuSysPercent: proc.cpuMs && proc.sysMs !== null ? (100 * proc.sysMs) / proc.cpuMs : null,
    rssIdleMiB: proc.rssIdleMiB,
    rssPeakMiB: proc.rssPeakMiB,
  };
}

export interface PlainSummary extends Usage {
  ok: number;
  errors: number;
  firstError: string | null;
  requestsPerSecond: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
}

export function summarisePlain(run: PlainRun, proc: ProcessUsage): PlainSummary {
  return {
    ok: run.ok,
    errors: run.errors,
    firstError: run.firstError,
    requestsPerSecond: (run.ok * 1000) / run.elapsedMs,
    p50Ms: percentile(run.latenciesMs, 50),
    p90Ms: percentile(run.latenciesMs, 90),
    p99Ms: percentile(run.latenciesMs, 99),
    ...usage(proc, run.ok),
  };
}

export interface StreamSummary extends Usage {
  ok: number;
  errors: number;
  firstError: string | null;
  streamsPerSecond: number;
  ttfbP50Ms: number | null;
  ttfbP99Ms: number | null;
  totalP50Ms: number | null;
  totalP99Ms: number | null;
  /** Median gap between reads that carried events: the upstream's chunk delay when nothing coalesces. */
  gapP50Ms: number | null;
  readsPerStreamMin: number | null;
  readsPerStreamP50: number | null;
  eventsPerStreamP50: number | null;
  /** Half the streams or more arrived in fewer reads than the upstream sent delayed chunks. */
  coalesced: boolean;
}

export function summariseStream(run: StreamRun, proc: ProcessUsage, upstreamChunks: number): StreamSummary {
  const readsP50 = percentile(run.readsPerStream, 50);
  return {
    ok: run.ok,
    errors: run.errors,
    firstError: run.firstError,
    streamsPerSecond: (run.ok * 1000) / run.elapsedMs,
    ttfbP50Ms: percentile(run.ttfbMs, 50),
    ttfbP99Ms: percentile(run.ttfbMs, 99),
    totalP50Ms: percentile(run.latenciesMs, 50),
    totalP99Ms: percentile(run.latenciesMs, 99),
    gapP50Ms: percentile(run.gapsMs, 50),
    readsPerStreamMin: run.readsPerStream.length ? Math.min(...run.readsPerStream) : null,
    readsPerStreamP50: readsP50,
    eventsPerStreamP50: percentile(run.eventsPerStream, 50),
    coalesced: readsP50 === null || readsP50 < upstreamChunks,
    ...usage(proc, run.ok),
  };
}
