import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RouteHealth } from "../src/routing/health-do";
import { BREAKER_DEFAULTS } from "../src/routing/health-policy";
import { recordAttempt, resetRouteHealth, routeLatencyMs, routeState, syncHealth } from "../src/routing/health";
import { FAILURE_SYNC_MS, PROBE_RETRY_MS, RouteHealthView, SYNC_INTERVAL_MS, healthStub } from "../src/routing/health-view";

const { baseCooldownMs, failureThreshold, failureWindowMs } = BREAKER_DEFAULTS;
const KEY = "openai:gpt-4.1";
const fail = { ok: false, latencyMs: 50 };
const ok = (latencyMs = 100) => ({ ok: true, latencyMs });

/**
 * Two "isolates" are two views; they share a RouteHealth object of the test's
 * own and one controlled clock (the object's too). Sleeping moves the clock.
 */
async function world() {
  const objectName = `view-test-${crypto.randomUUID()}`;
  const clock = { now: 1_800_000_000_000 };
  await runInDurableObject(healthStub(env, objectName), (o: RouteHealth) => void (o.clock = () => clock.now));
  const isolate = () => new RouteHealthView({ clock: () => clock.now, sleep: async (ms) => void (clock.now += ms), objectName });
  return { clock, isolate };
}

/** Runs a view's sync as a request's waitUntil would; returns how many syncs were started. */
async function sync(view: RouteHealthView, e: Env = env): Promise<number> {
  const started: Promise<unknown>[] = [];
  view.sync(e, (p) => started.push(p));
  await Promise.all(started);
  return started.length;
}

function failTimes(view: RouteHealthView, n: number) {
  for (let i = 0; i < n; i++) view.record(KEY, fail);
}

/** Two isolates; the first saw the route fail until its breaker opened, and told the shared object. */
async function openedInOneOfTwo() {
  const { isolate, clock } = await world();
  const [a, b] = [isolate(), isolate()];
  failTimes(a, failureThreshold);
  await sync(a);
  return { a, b, clock };
}

describe("route health in one isolate (acts at once, no Durable Object call)", () => {
  it(`opens after ${failureThreshold} consecutive failures; a success in between resets the count`, async () => {
    const { isolate } = await world();
    const view = isolate();
    failTimes(view, failureThreshold - 1);
    view.record(KEY, ok());
    failTimes(view, failureThreshold - 1);
    expect(view.state(KEY)).toBe("closed");
    view.record(KEY, fail);
    expect(view.state(KEY)).toBe("open");
    expect(view.state("mistral-eu:mistral-small-latest")).toBe("closed");
  });

  it("does not add up failures further apart than the window", async () => {
    const { isolate, clock } = await world();
    const view = isolate();
    for (let i = 0; i < failureThreshold + 2; i++) {
      view.record(KEY, fail);
      clock.now += failureWindowMs + 1;
    }
    expect(view.state(KEY)).toBe("closed");
  });

  it("stays open for the cooldown, then is half-open", async () => {
    const { isolate, clock } = await world();
    const view = isolate();
    failTimes(view, failureThreshold);
    clock.now += baseCooldownMs - 1;
    expect(view.state(KEY)).toBe("open");
    clock.now += 1;
    expect(view.state(KEY)).toBe("half_open");
  });

  it("needs no claim for a closed route: claimProbe is true without touching the Durable Object", async () => {
    const { isolate } = await world();
    const untouchable = { ...env, ROUTE_HEALTH: null } as unknown as Env;
    expect(await isolate().claimProbe(untouchable, KEY)).toBe(true);
  });

  it("averages time to first byte of successful attempts only", async () => {
    const { isolate } = await world();
    const view = isolate();
    expect(view.latencyMs(KEY)).toBeNull();
    view.record(KEY, ok(100));
    view.record(KEY, { ok: false, latencyMs: 5 }); // a fast error is not a fast route
    view.record(KEY, ok(600));
    expect(view.latencyMs(KEY)).toBeCloseTo(100 * 0.8 + 600 * 0.2, 6);
  });
});

describe("route health across isolates (through the RouteHealth object)", () => {
  it("one isolate's failures open the breaker in another, within FAILURE_SYNC_MS + SYNC_INTERVAL_MS", async () => {
    const { isolate, clock } = await world();
    const a = isolate();
    const b = isolate();
    await sync(a);
    await sync(b); // b's snapshot: all closed, taken at t0
    const t0 = clock.now;
    clock.now += 100;
    failTimes(a, failureThreshold);
    expect(a.state(KEY)).toBe("open");
    expect(await sync(a)).toBe(1); // waits out FAILURE_SYNC_MS, then reports
    expect(clock.now).toBe(t0 + FAILURE_SYNC_MS);
    clock.now = t0 + SYNC_INTERVAL_MS - 1;
    expect(await sync(b)).toBe(0); // not due: b still has the old view
    expect(b.state(KEY)).toBe("closed");
    clock.now = t0 + SYNC_INTERVAL_MS;
    expect(await sync(b)).toBe(1);
    expect(b.state(KEY)).toBe("open");
  });

  it("half-open: exactly one probe among concurrent claims of two isolates; success closes it everywhere", async () => {
    const { a, b, clock } = await openedInOneOfTwo();
    await sync(b);
    clock.now += baseCooldownMs;
    expect([a.state(KEY), b.state(KEY)]).toEqual(["half_open", "half_open"]);
    const claims = await Promise.all([a.claimProbe(env, KEY), b.claimProbe(env, KEY), a.claimProbe(env, KEY), b.claimProbe(env, KEY)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const [prober, other] = claims[0] || claims[2] ? [a, b] : [b, a];
    prober.record(KEY, ok());
    expect(prober.state(KEY)).toBe("closed"); // at once, before any sync
    expect(other.state(KEY)).not.toBe("closed");
    await sync(prober);
    clock.now += SYNC_INTERVAL_MS;
    await sync(other);
    expect(other.state(KEY)).toBe("closed");
  });

  it("a probe whose client left is given back: here at once, and to another isolate after the next sync", async () => {
    const { a, b, clock } = await openedInOneOfTwo();
    clock.now += baseCooldownMs;
    expect(await a.claimProbe(env, KEY)).toBe(true);
    expect(await a.claimProbe(env, KEY)).toBe(false); // this isolate holds it
    a.releaseProbe(KEY);
    expect(a.state(KEY)).toBe("half_open");
    expect(await sync(a)).toBe(1); // a release is urgent, like a probe's outcome
    expect(await b.claimProbe(env, KEY)).toBe(true);
  });

  it("an answer without a latency sample (the client's own error) counts as ok for a probe, and moves no latency", async () => {
    const { isolate, clock } = await world();
    const a = isolate();
    a.record(KEY, ok(100));
    failTimes(a, failureThreshold);
    clock.now += baseCooldownMs;
    expect(await a.claimProbe(env, KEY)).toBe(true);
    a.record(KEY, { ok: true, latencyMs: null });
    expect(a.state(KEY)).toBe("closed");
    expect(a.latencyMs(KEY)).toBe(100);
  });

  it("a failed probe reopens the breaker with a doubled cooldown, here and in the other isolate", async () => {
    const { a, b, clock } = await openedInOneOfTwo();
    clock.now += baseCooldownMs;
    expect(await a.claimProbe(env, KEY)).toBe(true);
    a.record(KEY, fail);
    expect(a.state(KEY)).toBe("open");
    await sync(a);
    await sync(b);
    clock.now += baseCooldownMs;
    expect([a.state(KEY), b.state(KEY)]).toEqual(["open", "open"]);
    clock.now += baseCooldownMs; // 2 × base after the probe (plus the sync's wait)
    expect([a.state(KEY), b.state(KEY)]).toEqual(["half_open", "half_open"]);
  });

  it("a refused isolate does not ask again for PROBE_RETRY_MS; concurrent claims in one isolate make one call", async () => {
    const { a, b, clock } = await openedInOneOfTwo();
    await sync(b);
    clock.now += baseCooldownMs;
    const counted = countingEnv();
    expect(await a.claimProbe(counted.env, KEY)).toBe(true);
    // a's probe is out with 1 s of its lease left when b asks (twice at once: one call).
    clock.now += BREAKER_DEFAULTS.probeLeaseMs - 1_000;
    expect(await Promise.all([b.claimProbe(counted.env, KEY), b.claimProbe(counted.env, KEY)])).toEqual([false, false]);
    expect(counted.calls).toEqual(["claimProbe", "claimProbe"]);
    expect(b.state(KEY)).toBe("open"); // for what is left of the lease
    clock.now += 1_000;
    expect(b.state(KEY)).toBe("half_open");
    expect(await b.claimProbe(counted.env, KEY)).toBe(false); // refused less than PROBE_RETRY_MS ago: no call
    expect(counted.calls).toHaveLength(2);
    clock.now += PROBE_RETRY_MS - 1_000;
    expect(await b.claimProbe(counted.env, KEY)).toBe(true); // a's lease ran out unreported
    expect(counted.calls).toHaveLength(3);
  });

  it("merges latency: another isolate's average, then this isolate's samples folded on top", async () => {
    const { isolate, clock } = await world();
    const [a, b] = [isolate(), isolate()];
    a.record(KEY, ok(200));
    await sync(a);
    await sync(b);
    expect(b.latencyMs(KEY)).toBe(200);
    b.record(KEY, ok(700));
    expect(b.latencyMs(KEY)).toBeCloseTo(200 * 0.8 + 700 * 0.2, 6);
    clock.now += SYNC_INTERVAL_MS;
    await sync(b);
    expect(b.latencyMs(KEY)).toBeCloseTo(300, 6);
  });
});

/** env with ROUTE_HEALTH's RPC calls counted by method name. */
function countingEnv() {
  const calls: string[] = [];
  const namespace = {
    idFromName: (name: string) => env.ROUTE_HEALTH.idFromName(name),
    jurisdiction: () => namespace,
    get: (id: DurableObjectId) => {
      const stub = env.ROUTE_HEALTH.get(id);
      return {
        sync: (reports: unknown) => (calls.push("sync"), stub.sync(reports)),
        claimProbe: (key: string) => (calls.push("claimProbe"), stub.claimProbe(key)),
      };
    },
  };
  return { calls, env: { ...env, ROUTE_HEALTH: namespace } as unknown as Env };
}

describe("the module's functions (this isolate's one view)", () => {
  it("record, read and sync through the module-level view; resetRouteHealth starts afresh", async () => {
    const clock = { now: 1_800_000_000_000 };
    resetRouteHealth({ clock: () => clock.now, sleep: async (ms) => void (clock.now += ms), objectName: `module-${crypto.randomUUID()}` });
    for (let i = 0; i < failureThreshold; i++) recordAttempt(KEY, fail);
    recordAttempt("mistral-eu:mistral-small-latest", ok(120));
    expect(routeState(KEY)).toBe("open");
    expect(routeState(KEY, clock.now + baseCooldownMs)).toBe("half_open");
    expect(routeLatencyMs("mistral-eu:mistral-small-latest")).toBe(120);
    const started: Promise<unknown>[] = [];
    syncHealth(env, (p) => started.push(p));
    await Promise.all(started);
    expect(started).toHaveLength(1);
    resetRouteHealth();
    expect(routeState(KEY)).toBe("closed");
  });
});
