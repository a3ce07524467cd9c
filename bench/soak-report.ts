/** The soak's table (one row per sample) and its pass/fail checks. */
import { fmt, int, table, type Check } from "./format.ts";
import type { TargetId } from "./options.ts";
import type { SoakResult } from "./soak.ts";

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function renderSoak(result: SoakResult, labels: Record<TargetId, string>): string {
  const ids = Object.keys(result.totals) as TargetId[];
  const procs = Object.keys(result.intervals[0]?.rssMiB ?? {});
  const isolates = Object.keys(result.intervals[0]?.heapMiB ?? {});
  const header = ["t (s)", ...procs.map((p) => `RSS ${p}`), ...isolates.map((k) => `heap ${k}`), ...ids.flatMap((id) => [`${id} done/s`, `${id} p99`, `${id} err`])];
  const rows = result.intervals.map((i, n) => [
    `${fmt(i.atS, 0)}${n === result.warmIndex ? " (warm)" : ""}`,
    ...procs.map((p) => fmt(i.rssMiB[p], 0)),
    ...isolates.map((k) => fmt(i.heapMiB[k], 0)),
    ...ids.flatMap((id) => {
      const d = i.done[id];
      return [int(d?.perSecond), fmt(d?.p99Ms, 1), String(d?.errors ?? "—")];
    }),
  ]);
  const out = [`Soak: ${ids.map((id) => labels[id]).join(" and ")} side by side at ${int(result.ratePerSecond)} req/s each for ${result.minutes} min; RSS and used JavaScript heap (per isolate, as sampled: between collections) in MiB; p99 in ms from the intended send time`];
  out.push(table(header, rows));
  for (const id of ids) {
    const t = result.totals[id]!;
    out.push(`${labels[id]}: ${int(t.sent)} sent, ${int(t.ok)} answered, ${t.errors} errors${t.firstError ? ` (first: ${t.firstError})` : ""}; generator send lag p99 ${fmt(t.sendLagP99Ms, 2)} ms, loop delay p99 ${fmt(t.loopDelayP99Ms, 1)} ms`);
    const l = result.logs[id];
    if (l) out.push(`  logger: ${int(l.rows)} request_logs rows written for ${int(l.sent)} requests sent, ${l.drainS === null ? "not drained after 60 s" : `drained ${fmt(l.drainS, 1)} s after the last answer`}`);
  }
  return out.join("\n");
}

export function soakChecks(result: SoakResult, labels: Record<TargetId, string>): Check[] {
  const out: Check[] = [];
  const warm = result.intervals[result.warmIndex];
  const end = result.intervals.at(-1);
  const after = result.intervals.slice(result.warmIndex);
  for (const id of Object.keys(result.totals) as TargetId[]) {
    const reference = id === "floor" || id === "direct";
    for (const key of Object.keys(end?.rssMiB ?? {}).filter((k) => k.startsWith(`${id}/`))) {
      const a = warm?.rssMiB[key] ?? null;
      const b = end?.rssMiB[key] ?? null;
      const growth = a === null || b === null || warm === end ? null : (b - a) / a;
      const pass = growth === null ? null : growth <= 0.1;
      out.push({
        name: `soak: RSS of ${key} at the end vs after warm-up${reference ? " (the runtime alone, for reference)" : ""}`,
        value: growth === null ? "not measured (soak too short or no /proc)" : `${fmt(a, 0)} → ${fmt(b, 0)} MiB (${growth >= 0 ? "+" : ""}${fmt(growth * 100, 1)}%)`,
        target: "≤ +10%",
        pass,
      });
    }
    out.push(...plateauChecks(result, id, reference));
    const t = result.totals[id]!;
    out.push({ name: `soak: ${labels[id]} errors`, value: String(t.errors), target: "0", pass: t.errors === 0 });
    const rates = after.map((i) => i.done[id]?.perSecond ?? 0);
    const third = Math.max(1, Math.floor(rates.length / 3));
    const first = mean(rates.slice(0, third));
    const last = mean(rates.slice(-third));
    // At a fixed rate a target that keeps up answers at the offered rate: decay shows as the last third falling below it.
    const ratio = last === null ? null : last / result.ratePerSecond;
    out.push({
      name: `soak: ${labels[id]} throughput, last third after warm-up vs the offered rate`,
      value: ratio === null ? "not measured" : `${int(last)} / ${int(result.ratePerSecond)} req/s (${fmt(ratio, 3)}×; first third ${int(first)})`,
      target: "≥ 0.97×",
      pass: ratio === null ? null : ratio >= 0.97,
    });
    const l = result.logs[id];
    if (l) out.push({ name: `soak: ${labels[id]} logger drained (request_logs rows vs requests sent)`, value: `${int(l.rows)} / ${int(l.sent)}`, target: "equal, within 60 s", pass: l.rows === l.sent });
  }
  return out;
}

/**
 * Whose memory grows: the RSS's mean over the last third against the middle
 * third after warm-up (a plateau reached late passes; a leak keeps rising),
 * and each isolate's used JavaScript heap, first third against last. The
 * heap is sampled between collections (a sawtooth), so each third's lowest
 * sample stands for its live heap: a leak raises the troughs. A growth of at
 * most 2 MiB passes whatever its share (Miniflare's proxies' heaps dip to 1–2 MiB). RSS
 * that rises while the heaps stay flat is the runtime's native memory, not
 * objects the router keeps.
 */
function plateauChecks(result: SoakResult, id: TargetId, reference: boolean): Check[] {
  const after = result.intervals.slice(result.warmIndex);
  const third = Math.floor(after.length / 3);
  if (third < 1) return [];
  const thirds = [after.slice(0, third), after.slice(third, after.length - third), after.slice(-third)];
  const meanOf = (rows: typeof after, pick: (i: (typeof after)[number]) => number | null | undefined) => mean(rows.map(pick).filter((v): v is number => typeof v === "number"));
  const out: Check[] = [];
  const compare = (name: string, a: number | null, b: number | null, slackMiB = 0): Check => {
    const growth = a === null || b === null ? null : (b - a) / a;
    return {
      name,
      value: growth === null ? "not measured" : `${fmt(a, 1)} → ${fmt(b, 1)} MiB (${growth >= 0 ? "+" : ""}${fmt(growth * 100, 1)}%)`,
      target: slackMiB ? `≤ +10% or ≤ +${slackMiB} MiB` : "≤ +10%",
      pass: growth === null ? null : growth <= 0.1 || b! - a! <= slackMiB,
    };
  };
  const lowest = (rows: typeof after, key: string) => {
    const values = rows.map((i) => i.heapMiB[key]).filter((v): v is number => typeof v === "number");
    return values.length ? Math.min(...values) : null;
  };
  const note = reference ? " (the runtime alone, for reference)" : "";
  for (const key of Object.keys(after[0]!.rssMiB).filter((k) => k.startsWith(`${id}/`))) {
    out.push(compare(`soak: RSS of ${key}, mean of the last third vs the middle third after warm-up (plateau)${note}`, meanOf(thirds[1]!, (i) => i.rssMiB[key]), meanOf(thirds[2]!, (i) => i.rssMiB[key])));
  }
  for (const key of Object.keys(after[0]!.heapMiB).filter((k) => k.startsWith(`${id}/`))) {
    out.push(compare(`soak: JavaScript heap of ${key}, lowest sample of the last third vs the first after warm-up${note}`, lowest(thirds[0]!, key), lowest(thirds[2]!, key), 2));
  }
  return out;
}

