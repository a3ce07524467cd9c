/** The benchmark's judgements: what `npm run bench` prints as PASS or FAIL, and its flags. */
import { describe, expect, it } from "vitest";
import type { Cost, Measurement } from "../../bench/measure.ts";
import { parseOptions } from "../../bench/options.ts";
import { checks } from "../../bench/report.ts";
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

function measurement(over: { router?: PlainSummary; cost?: Cost; backlog?: number; eventsReceived?: number } = {}): Measurement {
  return {
    plain: { direct: plain(20_000, 1, 5), floor: plain(3_000, 11, 50), router: over.router ?? plain(2_200, 15, 40), peer: plain(1_500, 30, 60) },
    stream: {},
    cost: { plain: { router: over.cost ?? cost(1, 0, 0.02) }, stream: {} },
    logger: { eventsConsumed: 1_000, messagesConsumed: 20, batches: 2, d1StatementsPerEvent: 0.01, backlog: over.backlog ?? 0, routerRequests: 1_150, eventsReceived: over.eventsReceived ?? 1_150 },
  };
}

const verdict = (m: Measurement, name: string) => checks(m, options, bindings).find((c) => c.name === name)?.pass;

describe("benchmark checks", () => {
  it("counts a Durable Object call after the response against the total, not against the request path", () => {
    const m = measurement({ cost: cost(1.3, 0.3, 0.02) });
    expect(verdict(m, "warm path: Durable Object calls per request")).toBe(false);
    expect(verdict(m, "warm path: Durable Object calls before the response per request")).toBe(true);
    expect(verdict(measurement({ cost: cost(2, 0, 0.02) }), "warm path: Durable Object calls before the response per request")).toBe(false);
  });

  it("accepts fewer queue sends than requests (packed events) but not more", () => {
    expect(verdict(measurement({ cost: cost(1, 0, 0.02) }), "warm path: queue sends per request")).toBe(true);
    expect(verdict(measurement({ cost: cost(1, 0, 1) }), "warm path: queue sends per request")).toBe(true);
    expect(verdict(measurement({ cost: cost(1, 0, 1.5) }), "warm path: queue sends per request")).toBe(false);
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

  it("judges throughput and latency against the floor and the peer at the issue's thresholds", () => {
    const at = (router: PlainSummary) => measurement({ router });
    expect(verdict(at(plain(2_100, 15, 40)), "throughput, router vs floor")).toBe(true); // 0.700×
    expect(verdict(at(plain(2_097, 15, 40)), "throughput, router vs floor")).toBe(false); // 0.699×
    expect(verdict(at(plain(2_100, 16, 40)), "p50 added latency, router vs floor (p50 − direct p50)")).toBe(true); // 15 / 10
    expect(verdict(at(plain(2_100, 16.1, 40)), "p50 added latency, router vs floor (p50 − direct p50)")).toBe(false);
    expect(verdict(at(plain(1_499, 15, 40)), "throughput, router vs Portkey")).toBe(false);
    expect(verdict(at(plain(2_100, 15, 61)), "p99, router vs Portkey")).toBe(false);
    expect(verdict(at(plain(2_100, 15, 59)), "p99, router vs Portkey")).toBe(true);
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
