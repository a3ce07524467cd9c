/**
 * The printed report: one table per load, the cost per request, the ratios
 * and the issue's targets with pass/fail — and the same as JSON.
 */
import type { Cost, Measurement } from "./measure.ts";
import type { BenchOptions, TargetId } from "./options.ts";
import { fmt, int, pct, table, verdict, type Check } from "./format.ts";

const mib = (idle: number | null, peak: number | null) => (peak === null ? "n/a" : `${fmt(idle, 0)}→${fmt(peak, 0)}`);
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? null : a / b);

/** What the router's wrangler config declares; a warm-path target for a binding it lacks is n/a. */
export interface RouterBindings {
  durableObjects: boolean;
  queueProducers: boolean;
}

export function checks(m: Measurement, options: BenchOptions, bindings: RouterBindings): Check[] {
  const out: Check[] = [];
  const { floor, peer } = m.plain;
  // The warm path and the throughput targets are judged on the split (the router alone in its process) when it ran.
  const id: "split" | "router" = m.plain.split ? "split" : "router";
  const who = id === "split" ? "router (split)" : "router (one process)";
  const router = m.plain[id];
  const sr = m.stream[id];
  for (const r of ["router", "split"] as const) {
    const p = m.plain[r];
    const s = m.stream[r];
    if (!p || !s) continue;
    const errors = p.errors + s.errors;
    out.push({ name: `${r === "split" ? "router (split)" : "router (one process)"} answered every request with 200`, value: `${errors} errors`, target: "0", pass: errors === 0 });
  }
  const cost = m.cost.plain[id];
  if (cost) {
    // Queue sends may be fewer than one per request: the router packs an isolate's events into one message.
    const warm: [string, number, number, boolean, "exactly" | "at most"][] = [
      ["D1 queries", cost.perRequest.d1Statements, 0, true, "exactly"],
      ["Durable Object calls", cost.perRequest.durableObjectCalls, 1, bindings.durableObjects, "exactly"],
      ["Durable Object calls before the response", cost.perRequest.durableObjectCalls - cost.perRequest.durableObjectCallsAfterResponse, 1, bindings.durableObjects, "exactly"],
      ["upstream fetches", cost.upstreamSeenPerRequest, 1, true, "exactly"],
      ["queue sends", cost.perRequest.queueSends, 1, bindings.queueProducers, "at most"],
    ];
    for (const [name, value, target, configured, bound] of warm) {
      const within = bound === "exactly" ? Math.abs(value - target) < 0.01 : value <= target + 0.01;
      out.push({
        name: `warm path (${who}): ${name} per request`,
        value: configured ? fmt(value, 2) : `${fmt(value, 2)} (not configured)`,
        target: bound === "exactly" ? `${target}` : `≤ ${target}`,
        pass: configured ? within : null,
      });
    }
  }
  if (m.logger) {
    out.push({ name: "logger consumed every message the router sent", value: `backlog ${m.logger.backlog}`, target: "0", pass: m.logger.backlog === 0 });
    // Fewer events than requests: events lost; more: events delivered twice.
    const { routerRequests, eventsReceived } = m.logger;
    out.push({ name: "logger received one event per router request", value: `${int(eventsReceived)} / ${int(routerRequests)}`, target: "equal", pass: eventsReceived === routerRequests });
  }
  if (floor) {
    const thr = ratio(router?.requestsPerSecond, floor.requestsPerSecond);
    out.push({ name: `throughput (closed loop), ${who} vs floor`, value: thr === null ? "not measured" : `${fmt(thr, 3)}×`, target: "≥ 0.70×", pass: thr === null ? null : thr >= 0.7 });
  }
  if (peer) {
    const thr = ratio(router?.requestsPerSecond, peer.requestsPerSecond);
    out.push({ name: `throughput (closed loop), ${who} vs Portkey`, value: thr === null ? "not measured" : `${fmt(thr, 2)}×`, target: "≥ 2×", pass: thr === null ? null : thr >= 2 });
  }
  if (sr) out.push({ name: `closed-loop streaming chunks not coalesced (${who})`, value: `${fmt(sr.readsPerStreamP50, 0)} reads/stream`, target: `≥ ${options.chunks} (one per upstream chunk)`, pass: !sr.coalesced });
  return out;
}

function costRow(label: string, cost: Cost | undefined): string[] | null {
  if (!cost) return null;
  const p = cost.perRequest;
  return [label, int(cost.requests), fmt(p.d1Statements, 2), `${fmt(p.durableObjectCalls, 2)} (${fmt(p.durableObjectCallsAfterResponse, 2)} after)`, fmt(p.fetches, 2), fmt(cost.upstreamSeenPerRequest, 2), fmt(p.queueSends, 2), fmt(p.serviceCalls, 2)];
}

/** `extra`: sections printed after the closed-loop tables (the fixed-rate loads) and their checks, joined to the targets table. */
export function render(
  m: Measurement,
  options: BenchOptions,
  bindings: RouterBindings,
  labels: Record<TargetId, string>,
  meta: Record<string, string>,
  extra: { sections: string[]; checks: Check[]; closedLoopChecks?: boolean } = { sections: [], checks: [] },
): string {
  const ids = Object.keys(m.plain) as TargetId[];
  const out: string[] = [];
  out.push(`Emby Router benchmark — ${meta.date}`);
  out.push(`${meta.machine}; ${meta.versions}`);
  out.push(`Floor and router: ${meta.launch}.`);
  out.push("");
  out.push(`Non-streaming: ${options.connections} connections, ${options.duration} s per target${options.rounds > 1 ? ` × ${options.rounds} rounds` : ""} after ${options.warmup} s warm-up`);
  const direct = m.plain.direct;
  out.push(
    table(
      ["target", "req/s", "p50 ms", "p90 ms", "p99 ms", "+p50 ms", "CPU µs/req", "sys", "RSS MiB", "errors"],
      ids.map((id) => {
        const s = m.plain[id]!;
        const added = direct && id !== "direct" && s.p50Ms !== null && direct.p50Ms !== null ? fmt(s.p50Ms - direct.p50Ms, 2) : "—";
        return [labels[id], int(s.requestsPerSecond), fmt(s.p50Ms, 2), fmt(s.p90Ms, 2), fmt(s.p99Ms, 2), added, int(s.cpuUsPerRequest), pct(s.cpuSysPercent), mib(s.rssIdleMiB, s.rssPeakMiB), String(s.errors)];
      }),
    ),
  );
  out.push("");
  out.push(
    `Streaming: ${options.streamConnections} connections, ${options.streamDuration} s per target${options.rounds > 1 ? ` × ${options.rounds} rounds` : ""}; ` +
      `upstream sends ${options.chunks} chunks ${options.chunkDelayMs} ms apart`,
  );
  out.push(
    table(
      ["target", "streams/s", "TTFB p50", "TTFB p99", "total p50", "total p99", "gap p50", "reads/stream", "CPU µs/stream", "RSS MiB", "errors"],
      ids.map((id) => {
        const s = m.stream[id]!;
        const reads = `${fmt(s.readsPerStreamP50, 0)} (min ${fmt(s.readsPerStreamMin, 0)})${s.coalesced ? " coalesced" : ""}`;
        return [labels[id], int(s.streamsPerSecond), fmt(s.ttfbP50Ms, 2), fmt(s.ttfbP99Ms, 2), fmt(s.totalP50Ms, 1), fmt(s.totalP99Ms, 1), fmt(s.gapP50Ms, 2), reads, int(s.cpuUsPerRequest), mib(s.rssIdleMiB, s.rssPeakMiB), String(s.errors)];
      }),
    ),
  );
  out.push("(ms unless noted; TTFB: request sent → first SSE event; gap: between reads carrying events)");
  const costRows = (["floor", "router", "split"] as const).flatMap((id) => [costRow(`${labels[id]}, non-streaming`, m.cost.plain[id]), costRow(`${labels[id]}, streaming`, m.cost.stream[id])]).filter((r): r is string[] => r !== null);
  if (costRows.length) {
    out.push("");
    out.push("Cost per request on the warm path (counted by wrapped bindings in the bench build; the fake counts what it receives)");
    out.push(table(["worker", "requests", "D1 stmts", "DO calls", "fetches", "fake saw", "queue sends", "service calls"], costRows));
    if (m.logger) {
      out.push(
        `Logger (queue consumer, off the request path): ${int(m.logger.eventsConsumed)} events in ${int(m.logger.messagesConsumed)} messages, ${int(m.logger.batches)} batches, ` +
          `${fmt(m.logger.d1StatementsPerEvent, 2)} D1 statements per event; backlog at the end: ${m.logger.backlog} messages`,
      );
    }
  }
  for (const section of extra.sections) out.push("", section);
  const results = [...(extra.closedLoopChecks === false ? [] : checks(m, options, bindings)), ...extra.checks];
  if (results.length) {
    out.push("");
    out.push("Targets");
    out.push(table(["check", "measured", "target", "result"], results.map((c) => [c.name, c.value, c.target, verdict(c)])));
  }
  const failed = ids.filter((id) => m.plain[id]!.errors > 0 || m.stream[id]!.errors > 0);
  for (const id of failed) out.push(`! ${labels[id]}: first error: ${m.plain[id]!.firstError ?? m.stream[id]!.firstError}`);
  return out.join("\n");
}
