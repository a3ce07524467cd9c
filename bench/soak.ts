/**
 * The soak: targets side by side at one fixed rate for minutes, every
 * process's RSS sampled at an interval, answers and errors per interval, and
 * at the end the logger's backlog: request_logs rows written during the soak
 * against requests sent, after a bounded drain.
 */
import { runOpenLoopInChild, type OpenLoopRun } from "./open-loop.ts";
import type { TargetId } from "./options.ts";
import { cpuMs, rssMiB } from "./proc.ts";
import { watchHeaps, type HeapWatch } from "./profile.ts";
import { percentile } from "./summary.ts";
import type { Target } from "./targets.ts";

export interface SoakOptions {
  minutes: number;
  ratePerSecond: number;
  intervalS: number;
  connections: number;
}

export interface SoakInterval {
  /** End of the interval, seconds since the start. */
  atS: number;
  /** RSS per process (MiB), by "target/process". */
  rssMiB: Record<string, number | null>;
  /** Used JavaScript heap per isolate (MiB, no forced collection), by "target/process/isolate"; empty without inspectors. */
  heapMiB: Record<string, number | null>;
  /** Per target: answers per second in the interval, errors, p99 of the answers that ended in it, CPU per answer of each process (µs). */
  done: Partial<Record<TargetId, { perSecond: number; errors: number; p99Ms: number | null; cpuUs: Record<string, number | null> }>>;
}

export interface SoakResult {
  ratePerSecond: number;
  minutes: number;
  /** The sample taken as "after warm-up" (index into intervals). */
  warmIndex: number;
  intervals: SoakInterval[];
  totals: Partial<Record<TargetId, { sent: number; ok: number; errors: number; firstError: string | null; loopDelayP99Ms: number; sendLagP99Ms: number | null }>>;
  /** Targets with a logger: rows written during the soak, requests sent, and seconds the drain took (null: did not drain). */
  logs: Partial<Record<TargetId, { rows: number; sent: number; drainS: number | null }>>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const processes = (t: Target) => t.processes ?? [{ name: t.id, pid: t.pid }];

/** Warm-up: the first minute, or a third of a shorter soak. */
export const warmupS = (minutes: number) => Math.min(60, (minutes * 60) / 3);

export async function soak(targets: Target[], options: SoakOptions, log: (line: string) => void): Promise<SoakResult> {
  const durationMs = options.minutes * 60_000;
  const rowsBefore = await Promise.all(targets.map((t) => t.logRows?.() ?? null));
  const runs = targets.map((t) => runOpenLoopInChild(t.load({ stream: false, fake: null }), { ratePerSecond: options.ratePerSecond, durationMs, connections: options.connections, drainTimeoutMs: 15_000 }, false));
  const started = performance.now();
  const samples: { atS: number; rss: Record<string, number | null>; cpu: Record<string, number | null>; heap: Record<string, number | null> }[] = [];
  // The isolates' heaps tell the router's memory from the runtime's: RSS alone cannot.
  const heaps: { prefix: string; watch: HeapWatch }[] = [];
  for (const t of targets) for (const [name, port] of Object.entries(t.inspectors ?? {})) heaps.push({ prefix: `${t.id}/${name}`, watch: await watchHeaps(port) });
  const sampleHeaps = async () => {
    const out: Record<string, number | null> = {};
    for (const { prefix, watch } of heaps) for (const [isolate, mib] of Object.entries(await watch.sample())) out[`${prefix}/${isolate}`] = mib;
    return out;
  };
  const sample = async () => {
    const heap = await sampleHeaps();
    const rss: Record<string, number | null> = {};
    const cpu: Record<string, number | null> = {};
    for (const t of targets) {
      for (const p of processes(t)) {
        rss[`${t.id}/${p.name}`] = p.pid === null ? null : rssMiB(p.pid);
        cpu[`${t.id}/${p.name}`] = p.pid === null ? null : (cpuMs(p.pid)?.total ?? null);
      }
    }
    samples.push({ atS: (performance.now() - started) / 1000, rss, cpu, heap });
  };
  await sample();
  let done = false;
  const all = Promise.all(runs).finally(() => (done = true));
  while (!done && performance.now() - started < durationMs) {
    await Promise.race([sleep(options.intervalS * 1000), all]);
    if (performance.now() - started <= durationMs + 500) {
      await sample();
      const last = samples.at(-1)!;
      const heapText = Object.keys(last.heap).length ? `; JS heap ${Object.entries(last.heap).map(([k, v]) => `${k} ${v?.toFixed(0) ?? "?"}`).join(", ")} MiB` : "";
      log(`  soak ${last.atS.toFixed(0)} s: RSS ${Object.entries(last.rss).map(([k, v]) => `${k} ${v?.toFixed(0) ?? "?"}`).join(", ")} MiB${heapText}`);
    }
  }
  const results: OpenLoopRun[] = await all.finally(() => heaps.forEach(({ watch }) => watch.close()));
  const intervals = samples.slice(1).map((s, i): SoakInterval => {
    const from = samples[i]!.atS * 1000;
    const to = s.atS * 1000;
    const per: SoakInterval["done"] = {};
    targets.forEach((t, k) => {
      const run = results[k]!;
      // The generator ran in its own process: its times, moved onto this process's clock.
      const offset = run.startEpochMs - (performance.timeOrigin + started);
      const lat: number[] = [];
      run.completedAtMs.forEach((at, j) => {
        if (at + offset > from && at + offset <= to) lat.push(run.latenciesMs[j]!);
      });
      const errors = run.erroredAtMs.filter((at) => at + offset > from && at + offset <= to).length;
      const cpuUs = Object.fromEntries(
        processes(t).map((p) => {
          const key = `${t.id}/${p.name}`;
          const a = samples[i]!.cpu[key];
          const b = s.cpu[key];
          return [p.name, a == null || b == null || lat.length === 0 ? null : ((b - a) * 1000) / lat.length];
        }),
      );
      per[t.id] = { perSecond: (lat.length * 1000) / (to - from), errors, p99Ms: percentile(lat, 99), cpuUs };
    });
    return { atS: s.atS, rssMiB: s.rss, heapMiB: s.heap, done: per };
  });
  const totals: SoakResult["totals"] = {};
  targets.forEach((t, k) => {
    const r = results[k]!;
    totals[t.id] = { sent: r.sent, ok: r.ok, errors: r.errors, firstError: r.firstError, loopDelayP99Ms: r.loopDelayP99Ms, sendLagP99Ms: percentile(r.sendLagMs, 99) };
  });
  const logs: SoakResult["logs"] = {};
  for (const [k, t] of targets.entries()) {
    const before = rowsBefore[k];
    if (!t.logRows || before === null || before === undefined) continue;
    const sent = results[k]!.sent;
    const drainStart = performance.now();
    let rows = (await t.logRows()) - before;
    // The logger's batches leave up to a batch window (5 s) apart; a minute is ample for a drained backlog.
    while (rows < sent && performance.now() - drainStart < 60_000) {
      await sleep(500);
      rows = (await t.logRows()) - before;
    }
    logs[t.id] = { rows, sent, drainS: rows >= sent ? (performance.now() - drainStart) / 1000 : null };
  }
  const warmIndex = Math.max(0, intervals.findIndex((i) => i.atS >= warmupS(options.minutes)));
  return { ratePerSecond: options.ratePerSecond, minutes: options.minutes, warmIndex, intervals, totals, logs };
}
