/** The benchmark's judgements: what `npm run bench` prints as PASS or FAIL, and its flags. */
import { describe, expect, it } from "vitest";
import type { Cost, Measurement } from "../../bench/measure.ts";
import { parseOptions } from "../../bench/options.ts";
import { expectedDeltas, type FixedRateResult, type RatePoint } from "../../bench/fixed-rate.ts";
import { fixedRateChecks } from "../../bench/fixed-rate-report.ts";
import type { TargetId } from "../../bench/options.ts";
import { checks } from "../../bench/report.ts";
import type { SoakInterval, SoakResult } from "../../bench/soak.ts";
import { soakChecks } from "../../bench/soak-report.ts";
import type { PlainSummary } from "../../bench/summary.ts";

const options = parseOptions([])!;
const bindings = { durableObjects: true, queueProducers: true };

function plain(requestsPerSecond: number, p50Ms: number, p99Ms: number): PlainSummary {
  return { ok: 1_000, errors: 0, firstError: null, requestsPerSecond, p50Ms, p90Ms: p50Ms, p99Ms, cpuUsPerRequest: null, cpuSysPercent: null, rssIdleMiB: null, rssPeakMiB: null };
}

function cost(durableObjectCalls: number, afterResponse: number, queueSends: number): Cost {
  return {
    requests: 1_000,
    perRequest: { d1Statements: 0, d1Batches: 0, durableObjectCalls, durableObjectCallsAfterResponse: afterResponse, queueSends, queueMessages: queueSends, serviceCalls: 0, fetches: 1 },
    upstreamSeenPerRequest: 1,
  };
}

function measurement(over: { router?: PlainSummary; peer?: PlainSummary; cost?: Cost; backlog?: number; eventsReceived?: number } = {}): Measurement {
  return {
    plain: { direct: plain(20_000, 1, 5), floor: plain(3_000, 11, 50), router: over.router ?? plain(2_200, 15, 40), peer: over.peer ?? plain(1_500, 30, 60) },
    stream: {},
    cost: { plain: { router: over.cost ?? cost(1, 0, 0.02) }, stream: {} },
    logger: { eventsConsumed: 1_000, messagesConsumed: 20, batches: 2, d1StatementsPerEvent: 0.01, backlog: over.backlog ?? 0, routerRequests: 1_150, eventsReceived: over.eventsReceived ?? 1_150 },
  };
}

const verdict = (m: Measurement, name: string) => checks(m, options, bindings).find((c) => c.name === name)?.pass;

describe("benchmark checks", () => {
  const warm = (name: string) => `warm path (router (one process)): ${name} per request`;

  it("counts a Durable Object call after the response against the total, not against the request path", () => {
    const m = measurement({ cost: cost(1.3, 0.3, 0.02) });
    expect(verdict(m, warm("Durable Object calls"))).toBe(false);
    expect(verdict(m, warm("Durable Object calls before the response"))).toBe(true);
    expect(verdict(measurement({ cost: cost(2, 0, 0.02) }), warm("Durable Object calls before the response"))).toBe(false);
    expect(verdict(measurement({ cost: cost(1, 0, 0.02) }), warm("Durable Object calls"))).toBe(true);
    expect(verdict(measurement({ cost: cost(0, 0, 0.02) }), warm("Durable Object calls"))).toBe(false); // exactly one: skipping the limiter fails too
  });

  it("accepts fewer queue sends than requests (packed events) but not more", () => {
    expect(verdict(measurement({ cost: cost(1, 0, 0.02) }), warm("queue sends"))).toBe(true);
    expect(verdict(measurement({ cost: cost(1, 0, 1) }), warm("queue sends"))).toBe(true);
    expect(verdict(measurement({ cost: cost(1, 0, 1.5) }), warm("queue sends"))).toBe(false);
  });

  it("judges the warm path on the split when it ran, and a binding the router lacks as n/a", () => {
    const m = measurement({ cost: cost(2, 0, 0.02) });
    m.plain.split = plain(2_500, 14, 35);
    m.cost.plain.split = cost(1, 0, 0.02);
    expect(verdict(m, "warm path (router (split)): Durable Object calls per request")).toBe(true);
    expect(verdict(m, warm("Durable Object calls"))).toBeUndefined();
    const unbound = checks(measurement({ cost: cost(2, 0, 5) }), options, { durableObjects: false, queueProducers: false });
    expect(unbound.find((c) => c.name === warm("Durable Object calls"))?.pass).toBeNull();
    expect(unbound.find((c) => c.name === warm("queue sends"))?.pass).toBeNull();
  });

  it("fails a run whose logger left messages unconsumed", () => {
    expect(verdict(measurement(), "logger consumed every message the router sent")).toBe(true);
    expect(verdict(measurement({ backlog: 3 }), "logger consumed every message the router sent")).toBe(false);
  });

  it("fails a run in which the logger received fewer or more events than the router handled requests", () => {
    const name = "logger received one event per router request";
    expect(verdict(measurement(), name)).toBe(true);
    expect(verdict(measurement({ eventsReceived: 1_149 }), name)).toBe(false);
    expect(verdict(measurement({ eventsReceived: 1_151 }), name)).toBe(false);
  });

  it("judges closed-loop throughput against the floor (0.70×) and Portkey (2×) at their boundaries", () => {
    const vsFloor = "throughput (closed loop), router (one process) vs floor";
    const vsPeer = "throughput (closed loop), router (one process) vs Portkey";
    expect(verdict(measurement({ router: plain(2_100, 15, 40) }), vsFloor)).toBe(true); // 0.700×
    expect(verdict(measurement({ router: plain(2_097, 15, 40) }), vsFloor)).toBe(false); // 0.699×
    expect(verdict(measurement({ router: plain(3_000, 15, 40), peer: plain(1_500, 30, 60) }), vsPeer)).toBe(true); // 2.000×
    expect(verdict(measurement({ router: plain(2_997, 15, 40), peer: plain(1_500, 30, 60) }), vsPeer)).toBe(false); // 1.998×
    const unmeasured = measurement();
    delete unmeasured.plain.router;
    expect(verdict(unmeasured, vsFloor)).toBeNull();
    expect(verdict(unmeasured, vsPeer)).toBeNull();
  });
});

function point(over: Partial<RatePoint> = {}): RatePoint {
  return {
    ok: 3_000,
    errors: 0,
    firstError: null,
    achievedPerSecond: 1_000,
    p50Ms: 1,
    p99Ms: 2,
    p999Ms: 3,
    addedP50Ms: null,
    addedP99Ms: null,
    addedP999Ms: null,
    ttfbP50Ms: null,
    ttfbP99Ms: null,
    firstContentP50Ms: null,
    firstContentP99Ms: null,
    chunksMin: null,
    readsMin: null,
    coalescedShare: null,
    cpuUsPerRequest: { workerd: 100 },
    generatorCpuPercent: 10,
    sendLagP99Ms: 0.1,
    sendLagMaxMs: 0.5,
    loopDelayP99Ms: 1,
    peakInFlight: 5,
    connections: 50,
    ...over,
  };
}

const CHUNKS = 10;
const DELTAS = expectedDeltas(CHUNKS);

/** A run at 30% of the floor: the fake read directly, the floor, and the split (router process + limiter/logger process). Every target passes unless overridden. */
function fixedRate(over: { split?: Partial<RatePoint> | null; router?: Partial<RatePoint>; streamSplit?: Partial<RatePoint>; streamDirect?: Partial<RatePoint>; fraction?: number } = {}): FixedRateResult {
  const plainPoints: Partial<Record<TargetId, RatePoint>> = {
    direct: point(),
    floor: point({ addedP50Ms: 0.25, addedP99Ms: 1, cpuUsPerRequest: { workerd: 100 } }),
  };
  if (over.router) plainPoints.router = point({ addedP50Ms: 0.5, addedP99Ms: 2, cpuUsPerRequest: { workerd: 200 }, ...over.router });
  if (over.split !== null) plainPoints.split = point({ addedP50Ms: 0.5, addedP99Ms: 2, cpuUsPerRequest: { router: 200, services: 80 }, ...over.split });
  const stream = (o: Partial<RatePoint> = {}) => point({ ttfbP50Ms: 2, firstContentP50Ms: 12, chunksMin: DELTAS, readsMin: DELTAS, coalescedShare: 0, ...o });
  return {
    floorCapacity: 10_000,
    floorStreamCapacity: 2_500,
    plain: [{ fraction: over.fraction ?? 0.3, ratePerSecond: 3_000, points: plainPoints }],
    stream: [{ fraction: 0.3, ratePerSecond: 750, points: { direct: stream(over.streamDirect), floor: stream(), split: stream({ ttfbP50Ms: 2.5, firstContentP50Ms: 12.5, ...over.streamSplit }) } }],
  };
}

const fixedVerdict = (r: FixedRateResult, name: string) => {
  const found = fixedRateChecks(r, CHUNKS).filter((c) => c.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!.pass;
};

describe("fixed-rate checks (the issue's latency, CPU and streaming targets at 30% load)", () => {
  const p50 = "30% load: router (split) added p50 − floor's";
  const p99 = "30% load: router (split) added p99 − floor's";
  const cpu = "30% load: router process CPU per request (split) − floor's";
  const ttfb = "streaming at 30%: router (split) TTFB p50 − floor's (first event; the router's waits for content)";
  const content = "streaming at 30%: router (split) first content p50 − floor's";
  const coalescing = "streaming: every content delta arrives, each in its own read (no coalescing beyond the direct fake's)";
  const lag = "load generator kept its schedule (send lag p99)";

  it("passes a run that meets every target", () => {
    const all = fixedRateChecks(fixedRate(), CHUNKS);
    expect(all.map((c) => c.name)).toEqual([p50, p99, cpu, ttfb, content, coalescing, lag]);
    expect(all.every((c) => c.pass === true)).toBe(true);
  });

  it("allows the router at most 0.5 ms more added p50 than the floor", () => {
    expect(fixedVerdict(fixedRate({ split: { addedP50Ms: 0.75 } }), p50)).toBe(true); // +0.5
    expect(fixedVerdict(fixedRate({ split: { addedP50Ms: 0.76 } }), p50)).toBe(false); // +0.51
  });

  it("allows the router at most 3 ms more added p99 than the floor", () => {
    expect(fixedVerdict(fixedRate({ split: { addedP99Ms: 4 } }), p99)).toBe(true); // +3
    expect(fixedVerdict(fixedRate({ split: { addedP99Ms: 4.01 } }), p99)).toBe(false); // +3.01
  });

  it("allows the router's own process at most 150 µs more CPU per request than the floor", () => {
    expect(fixedVerdict(fixedRate({ split: { cpuUsPerRequest: { router: 250, services: 500 } } }), cpu)).toBe(true); // +150; the other process is not counted
    expect(fixedVerdict(fixedRate({ split: { cpuUsPerRequest: { router: 251, services: 0 } } }), cpu)).toBe(false); // +151
  });

  it("allows the router at most 1 ms more streaming TTFB p50 than the floor", () => {
    expect(fixedVerdict(fixedRate({ streamSplit: { ttfbP50Ms: 3 } }), ttfb)).toBe(true); // +1
    expect(fixedVerdict(fixedRate({ streamSplit: { ttfbP50Ms: 3.01 } }), ttfb)).toBe(false); // +1.01
  });

  it("allows the router at most 1 ms more time to the first content delta than the floor, judged apart from the first event", () => {
    expect(fixedVerdict(fixedRate({ streamSplit: { firstContentP50Ms: 13 } }), content)).toBe(true); // +1
    expect(fixedVerdict(fixedRate({ streamSplit: { firstContentP50Ms: 13.01 } }), content)).toBe(false); // +1.01
    expect(fixedVerdict(fixedRate({ streamSplit: { ttfbP50Ms: 12, firstContentP50Ms: 12 } }), content)).toBe(true);
    expect(fixedVerdict(fixedRate({ streamSplit: { ttfbP50Ms: 12, firstContentP50Ms: 12 } }), ttfb)).toBe(false);
  });

  it("fails a stream that lost a delta, or coalesced more than the direct fake did, or errored", () => {
    expect(fixedVerdict(fixedRate({ streamSplit: { chunksMin: DELTAS - 1 } }), coalescing)).toBe(false);
    expect(fixedVerdict(fixedRate({ streamSplit: { coalescedShare: 0.011 } }), coalescing)).toBe(false);
    expect(fixedVerdict(fixedRate({ streamSplit: { coalescedShare: 0.05 }, streamDirect: { coalescedShare: 0.04 } }), coalescing)).toBe(true);
    expect(fixedVerdict(fixedRate({ streamSplit: { errors: 1 } }), coalescing)).toBe(false);
  });

  it("fails a run whose load generator sent late (send lag p99 over 2 ms on any target)", () => {
    expect(fixedVerdict(fixedRate({ split: { sendLagP99Ms: 2 } }), lag)).toBe(true);
    expect(fixedVerdict(fixedRate({ split: { sendLagP99Ms: 2.01 } }), lag)).toBe(false);
    expect(fixedVerdict(fixedRate({ streamDirect: { sendLagP99Ms: 2.5 } }), lag)).toBe(false);
  });

  it("judges the one-process router when the split did not run, and reports its CPU target n/a", () => {
    const r = fixedRate({ split: null, router: { addedP50Ms: 0.76 } });
    expect(fixedVerdict(r, "30% load: router (one process) added p50 − floor's")).toBe(false);
    expect(fixedVerdict(r, "30% load: router (one process) added p99 − floor's")).toBe(true);
    expect(fixedVerdict(r, cpu)).toBeNull();
  });

  it("reports a target that could not be measured as n/a (pass null), not as passed", () => {
    // No run at 30%.
    const off = fixedRate({ fraction: 0.5, split: { addedP50Ms: 99, addedP99Ms: 99 } });
    expect(fixedVerdict(off, p50)).toBeNull();
    expect(fixedVerdict(off, p99)).toBeNull();
    expect(fixedVerdict(off, cpu)).toBeNull();
    // No direct run: added latency unknown.
    expect(fixedVerdict(fixedRate({ split: { addedP50Ms: null, addedP99Ms: null } }), p50)).toBeNull();
    // No /proc figures for the router process.
    expect(fixedVerdict(fixedRate({ split: { cpuUsPerRequest: { router: null, services: null } } }), cpu)).toBeNull();
    // No streaming runs.
    const noStream = { ...fixedRate(), stream: [] };
    expect(fixedVerdict(noStream, "streaming at 30%: TTFB p50 − floor's")).toBeNull();
    expect(fixedRateChecks(noStream, CHUNKS).some((c) => c.name === coalescing)).toBe(false);
    // Nothing passes by default when nothing ran.
    const empty = fixedRateChecks({ floorCapacity: 0, floorStreamCapacity: 0, plain: [], stream: [] }, CHUNKS);
    expect(empty.length).toBeGreaterThan(0);
    expect(empty.every((c) => c.pass === null)).toBe(true);
  });
});

function interval(atS: number, rss: number, loggerRss = 60, heap = 20): SoakInterval {
  return {
    atS,
    rssMiB: { "router/workerd": rss, "floor/workerd": 40, "split/router": loggerRss },
    heapMiB: { "router/workerd/router": heap },
    done: { router: { perSecond: 1_000, errors: 0, p99Ms: 5, cpuUs: {} }, floor: { perSecond: 1_000, errors: 0, p99Ms: 4, cpuUs: {} } },
  };
}

function soak(over: { rss?: number[]; heap?: number[]; errors?: number; rows?: number; drainS?: number | null } = {}): SoakResult {
  const rss = over.rss ?? [100, 100, 105, 110];
  return {
    ratePerSecond: 1_000,
    minutes: 1,
    warmIndex: 1,
    intervals: rss.map((r, i) => interval(15 * (i + 1), r, 60, over.heap?.[i] ?? 20)),
    totals: {
      router: { sent: 60_000, ok: 60_000 - (over.errors ?? 0), errors: over.errors ?? 0, firstError: null, loopDelayP99Ms: 1, sendLagP99Ms: 0.1 },
      floor: { sent: 60_000, ok: 60_000, errors: 0, firstError: null, loopDelayP99Ms: 1, sendLagP99Ms: 0.1 },
    },
    logs: { router: { rows: over.rows ?? 60_000, sent: 60_000, drainS: over.drainS === undefined ? 2 : over.drainS } },
  };
}

const labels: Record<TargetId, string> = { direct: "fake", floor: "floor", router: "router", split: "router (split)", peer: "Portkey" };
const soakVerdict = (r: SoakResult, name: string) => {
  const found = soakChecks(r, labels).filter((c) => c.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!.pass;
};

describe("soak checks", () => {
  const rss = "soak: RSS of router/workerd at the end vs after warm-up";

  it("allows RSS to grow at most 10% from the sample after warm-up to the end", () => {
    expect(soakVerdict(soak({ rss: [50, 100, 105, 110] }), rss)).toBe(true); // +10%; growth during warm-up is not counted
    expect(soakVerdict(soak({ rss: [100, 100, 105, 110.5] }), rss)).toBe(false); // +10.5%
    expect(soakVerdict(soak({ rss: [100, 100] }), rss)).toBeNull(); // the warm-up sample is the last: nothing to compare
  });

  it("tells a late plateau from a leak: the last third's mean RSS against the middle third's", () => {
    const plateau = "soak: RSS of router/workerd, mean of the last third vs the middle third after warm-up (plateau)";
    // Warm-up at index 1; after it, thirds of two samples each.
    const late = soak({ rss: [50, 100, 120, 150, 160, 162, 163] });
    expect(soakVerdict(late, rss)).toBe(false); // 100 → 163 since warm-up
    expect(soakVerdict(late, plateau)).toBe(true); // 155 → 162.5: +4.8%
    expect(soakVerdict(soak({ rss: [50, 100, 120, 140, 160, 180, 200] }), plateau)).toBe(false); // 150 → 190: a leak
    expect(soakVerdict(soak({ rss: [50, 100, 100, 100, 100, 110, 110] }), plateau)).toBe(true); // +10%
    expect(soakVerdict(soak({ rss: [50, 100, 100, 100, 100, 110.2, 110.2] }), plateau)).toBe(false); // +10.2%
    expect(soakChecks(soak({ rss: [100, 100, 105] }), labels).some((c) => c.name === plateau)).toBe(false); // too short for thirds
  });

  it("judges each isolate's JavaScript heap by its troughs: the lowest sample of the first and last thirds after warm-up", () => {
    const heap = "soak: JavaScript heap of router/workerd/router, lowest sample of the last third vs the first after warm-up";
    const rss7 = [50, 100, 100, 100, 100, 100, 100];
    // The sawtooth's peaks do not count: 20 → 22 (+10%).
    expect(soakVerdict(soak({ rss: rss7, heap: [5, 20, 90, 25, 25, 22, 95] }), heap)).toBe(true);
    expect(soakVerdict(soak({ rss: rss7, heap: [5, 30, 90, 25, 25, 33.1, 95] }), heap)).toBe(false); // 30 → 33.1: +10.3%, +3.1 MiB
    // A small heap may grow 2 MiB whatever its share.
    expect(soakVerdict(soak({ rss: rss7, heap: [1, 1, 1, 1, 1, 3, 3] }), heap)).toBe(true);
    expect(soakVerdict(soak({ rss: rss7, heap: [1, 1, 1, 1, 1, 3.1, 3.1] }), heap)).toBe(false);
  });

  it("fails a target that answered with any error, and a logger that did not write a row per request", () => {
    expect(soakVerdict(soak(), "soak: router errors")).toBe(true);
    expect(soakVerdict(soak({ errors: 1 }), "soak: router errors")).toBe(false);
    const drained = "soak: router logger drained (request_logs rows vs requests sent)";
    expect(soakVerdict(soak(), drained)).toBe(true);
    expect(soakVerdict(soak({ rows: 59_999, drainS: null }), drained)).toBe(false);
    expect(soakVerdict(soak({ rows: 60_001 }), drained)).toBe(false);
  });
});

describe("benchmark flags", () => {
  it("defaults to one account per connection and simulated storage on tmpfs", () => {
    expect(options).toMatchObject({ accounts: null, diskStorage: false, connections: 50 });
  });

  it("reads --accounts and --disk-storage", () => {
    expect(parseOptions(["--accounts", "5", "--disk-storage"])).toMatchObject({ accounts: 5, diskStorage: true });
  });
});
