/** The fixed-rate tables and the issue's targets measured on them. */
import { expectedDeltas, type FixedRateResult, type RatePoint, type RateRow } from "./fixed-rate.ts";
import type { TargetId } from "./options.ts";
import { fmt, int, table, type Check } from "./format.ts";

/** The rate the latency targets are set at: 30% of the floor's capacity. */
const TARGET_FRACTION = 0.3;
/** The router judged by the targets: the split when it ran (production-like), else the one-process router. */
export const judged = (points: Partial<Record<TargetId, unknown>>): TargetId => (points.split ? "split" : "router");

const cpu = (p: RatePoint) =>
  Object.entries(p.cpuUsPerRequest)
    .map(([name, us]) => (Object.keys(p.cpuUsPerRequest).length > 1 ? `${name} ${int(us)}` : int(us)))
    .join(" + ");

function plainTable(row: RateRow, labels: Record<TargetId, string>): string {
  const ids = Object.keys(row.points) as TargetId[];
  return table(
    ["target", "done/s", "p50", "p99", "p99.9", "+p50", "+p99", "+p99.9", "CPU µs/req", "errors", "gen: lag p99/max, CPU, in flight"],
    ids.map((id) => {
      const p = row.points[id]!;
      return [
        labels[id],
        int(p.achievedPerSecond),
        fmt(p.p50Ms, 2),
        fmt(p.p99Ms, 2),
        fmt(p.p999Ms, 2),
        fmt(p.addedP50Ms, 2),
        fmt(p.addedP99Ms, 2),
        fmt(p.addedP999Ms, 2),
        cpu(p),
        String(p.errors),
        `${fmt(p.sendLagP99Ms, 2)}/${fmt(p.sendLagMaxMs, 1)} ms, ${fmt(p.generatorCpuPercent, 0)}%, ${p.peakInFlight}/${p.connections}`,
      ];
    }),
  );
}

function streamTable(row: RateRow, labels: Record<TargetId, string>, chunks: number): string {
  const ids = Object.keys(row.points) as TargetId[];
  return table(
    ["target", "done/s", "TTFB p50", "TTFB p99", "content p50", "content p99", "total p50", "total p99", `deltas min (of ${chunks})`, "reads min", "short streams", "CPU µs/stream", "errors", "gen: lag p99, CPU"],
    ids.map((id) => {
      const p = row.points[id]!;
      return [labels[id], fmt(p.achievedPerSecond, 0), fmt(p.ttfbP50Ms, 2), fmt(p.ttfbP99Ms, 2), fmt(p.firstContentP50Ms, 2), fmt(p.firstContentP99Ms, 2), fmt(p.p50Ms, 1), fmt(p.p99Ms, 1), fmt(p.chunksMin, 0), fmt(p.readsMin, 0), `${fmt((p.coalescedShare ?? 0) * 100, 1)}%`, cpu(p), String(p.errors), `${fmt(p.sendLagP99Ms, 2)} ms, ${fmt(p.generatorCpuPercent, 0)}%`];
    }),
  );
}

export function renderFixedRate(result: FixedRateResult, labels: Record<TargetId, string>, options: { durationS: number; warmupS: number; chunks: number; chunkDelayMs: number }): string {
  const out: string[] = [];
  out.push(
    `Fixed-rate (open-loop) loads: floor capacity ${int(result.floorCapacity)} req/s (closed loop above); ${options.durationS} s per target and rate after ${options.warmupS} s at the rate; ` +
      "latency from each request's intended send time (ms); +pN: minus the fake upstream's pN at the same rate; CPU per answered request of each process",
  );
  for (const row of result.plain) {
    out.push(`${int(row.ratePerSecond)} req/s = ${fmt(row.fraction * 100, 0)}% of the floor's capacity`);
    out.push(plainTable(row, labels));
    out.push("");
  }
  for (const row of result.stream) {
    out.push(
      `Streaming at ${int(row.ratePerSecond)} streams/s = ${fmt(row.fraction * 100, 0)}% of the floor's estimated ${int(result.floorStreamCapacity)} streams/s; ` +
        `upstream sends ${options.chunks} chunks ${options.chunkDelayMs} ms apart, ${expectedDeltas(options.chunks)} with content; TTFB: intended send → first event; content: → first content delta (the fake sends its first 10 ms after the preamble; the router sends nothing before content, its commit point); short: fewer content deltas, or fewer reads carrying events, than that`,
    );
    out.push(streamTable(row, labels, expectedDeltas(options.chunks)));
  }
  return out.join("\n");
}

export function fixedRateChecks(result: FixedRateResult, upstreamChunks: number): Check[] {
  const out: Check[] = [];
  const chunks = expectedDeltas(upstreamChunks);
  const at = result.plain.find((r) => Math.abs(r.fraction - TARGET_FRACTION) < 1e-9);
  const na = (name: string, target: string, why: string): Check => ({ name, value: why, target, pass: null });
  const id = at ? judged(at.points) : "split";
  const who = id === "split" ? "router (split)" : "router (one process)";
  const router = at?.points[id];
  const floor = at?.points.floor;
  if (!at || !router || !floor || router.addedP50Ms === null || floor.addedP50Ms === null) {
    const why = !at ? "no run at 30% (--rates)" : "needs direct, floor and router runs";
    out.push(na(`30% load: ${who} added p50 − floor's`, "≤ +0.5 ms", why), na(`30% load: ${who} added p99 − floor's`, "≤ +3 ms", why));
  } else {
    const d50 = router.addedP50Ms - floor.addedP50Ms;
    const d99 = router.addedP99Ms! - floor.addedP99Ms!;
    out.push({ name: `30% load: ${who} added p50 − floor's`, value: `${d50 >= 0 ? "+" : ""}${fmt(d50, 2)} ms`, target: "≤ +0.5 ms", pass: d50 <= 0.5 });
    out.push({ name: `30% load: ${who} added p99 − floor's`, value: `${d99 >= 0 ? "+" : ""}${fmt(d99, 2)} ms`, target: "≤ +3 ms", pass: d99 <= 3 });
  }
  const split = at?.points.split;
  const routerCpu = split?.cpuUsPerRequest.router ?? null;
  const floorCpu = floor ? (Object.values(floor.cpuUsPerRequest)[0] ?? null) : null;
  if (routerCpu === null || floorCpu === null) out.push(na("30% load: router process CPU per request (split) − floor's", "≤ +150 µs", split ? "no /proc CPU figures" : "the split did not run"));
  else out.push({ name: "30% load: router process CPU per request (split) − floor's", value: `${int(routerCpu)} − ${int(floorCpu)} = +${int(routerCpu - floorCpu)} µs`, target: "≤ +150 µs", pass: routerCpu - floorCpu <= 150 });
  const srow = result.stream[0];
  const sid = srow ? judged(srow.points) : "split";
  const sr = srow?.points[sid];
  const sf = srow?.points.floor;
  if (!sr || !sf || sr.ttfbP50Ms === null || sf.ttfbP50Ms === null) out.push(na("streaming at 30%: TTFB p50 − floor's", "≤ +1 ms", "needs floor and router streaming runs"));
  else {
    const at = `streaming at ${fmt(srow!.fraction * 100, 0)}%: ${sid === "split" ? "router (split)" : "router (one process)"}`;
    const signed = (d: number) => `${d >= 0 ? "+" : ""}${fmt(d, 2)} ms`;
    const d = sr.ttfbP50Ms - sf.ttfbP50Ms;
    // The floor passes the upstream's preamble (role chunk) at once; the router holds it until content, so this one includes the upstream's wait for its first token.
    out.push({ name: `${at} TTFB p50 − floor's (first event; the router's waits for content)`, value: signed(d), target: "≤ +1 ms", pass: d <= 1 });
    if (sr.firstContentP50Ms !== null && sf.firstContentP50Ms !== null) {
      const c = sr.firstContentP50Ms - sf.firstContentP50Ms;
      out.push({ name: `${at} first content p50 − floor's`, value: signed(c), target: "≤ +1 ms", pass: c <= 1 });
    }
    // The fake read directly is the baseline: a lagging client can merge reads on its side too, whatever the target did.
    const short = sr.coalescedShare ?? 1;
    const base = srow!.points.direct?.coalescedShare ?? 0;
    out.push({
      name: "streaming: every content delta arrives, each in its own read (no coalescing beyond the direct fake's)",
      value: `min ${fmt(sr.chunksMin, 0)} deltas, min ${fmt(sr.readsMin, 0)} reads; ${fmt(short * 100, 1)}% short (direct ${fmt(base * 100, 1)}%)`,
      target: `${chunks} deltas; short ≤ direct + 1%`,
      pass: sr.errors === 0 && sr.chunksMin === chunks && short <= base + 0.01,
    });
  }
  // The generator itself: a late or saturated client would hide the targets' latency in its own.
  const all = [...result.plain, ...result.stream].flatMap((r) => Object.values(r.points) as RatePoint[]);
  if (all.length) {
    const lag = Math.max(...all.map((p) => p.sendLagP99Ms ?? 0));
    const full = all.filter((p) => p.peakInFlight >= p.connections).length;
    // A full pool is a target that fell behind (its requests queue in the client, still timed from their intended send).
    out.push({ name: "load generator kept its schedule (send lag p99)", value: `${fmt(lag, 2)} ms${full ? `; ${full} runs filled the pool` : ""}`, target: "≤ 2 ms", pass: lag <= 2 });
  }
  return out;
}
