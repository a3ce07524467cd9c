import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BREAKER_DEFAULTS, type HealthSnapshot, type RouteReport } from "../src/routing/health-policy";
import { FAILURE_SYNC_MS, RouteHealthView, SYNC_INTERVAL_MS, SYNC_TIMEOUT_MS, healthStub } from "../src/routing/health-view";

const KEY = "openai:gpt-4.1";
const fail = { ok: false, latencyMs: 50 };

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** An env whose RouteHealth object is `object` (calls recorded by the test). */
function envWith(object: { sync?: (r: RouteReport[]) => Promise<HealthSnapshot>; claimProbe?: (key: string) => Promise<unknown> }): Env {
  const ns = { idFromName: () => ({}), get: () => object, jurisdiction: () => ns };
  return { ...env, DURABLE_OBJECT_JURISDICTION: "none", ROUTE_HEALTH: ns } as unknown as Env;
}

/** A view with a controlled clock; its sleeps wait for the test to end them. */
function controlled() {
  const clock = { now: 1_800_000_000_000 };
  const sleeps: { ms: number; wake: () => void }[] = [];
  const view = new RouteHealthView({
    clock: () => clock.now,
    sleep: (ms) => new Promise<void>((resolve) => sleeps.push({ ms, wake: () => ((clock.now += ms), resolve()) })),
  });
  const started: Promise<unknown>[] = [];
  const sync = (e: Env) => {
    const before = started.length;
    view.sync(e, (p) => started.push(p));
    return started.length - before;
  };
  return { clock, view, sleeps, started, sync, settle: () => Promise.all(started) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("syncHealth: when and how often an isolate talks to the RouteHealth object", () => {
  it(`without failures: at most once per SYNC_INTERVAL_MS (${SYNC_INTERVAL_MS} ms)`, async () => {
    const calls: RouteReport[][] = [];
    const e = envWith({ sync: async (r) => (calls.push(r), {}) });
    const t = controlled();
    expect(t.sync(e)).toBe(1);
    await t.settle();
    t.view.record(KEY, { ok: true, latencyMs: 80 });
    t.clock.now += SYNC_INTERVAL_MS - 1;
    expect(t.sync(e)).toBe(0);
    t.clock.now += 1;
    expect(t.sync(e)).toBe(1);
    await t.settle();
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([{ key: KEY, ok: 1, trailingFailures: 0, probe: null, latencyMs: 80, latencyCount: 1 }]);
  });

  it("failures: single flight, batched: the requests of the next FAILURE_SYNC_MS share one call", async () => {
    const calls: RouteReport[][] = [];
    const e = envWith({ sync: async (r) => (calls.push(r), {}) });
    const t = controlled();
    t.sync(e);
    await t.settle();
    t.clock.now += 100;
    t.view.record(KEY, fail);
    expect(t.sync(e)).toBe(1); // due in 900 ms: it waits in this request's waitUntil
    for (let i = 0; i < 3; i++) {
      t.view.record(KEY, fail);
      expect(t.sync(e)).toBe(0); // one in flight: the others return at once
    }
    expect(t.sleeps.map((s) => s.ms)).toEqual([FAILURE_SYNC_MS - 100]);
    t.sleeps[0]?.wake();
    await t.settle();
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([expect.objectContaining({ key: KEY, trailingFailures: 4 })]);
  });

  it("failures recorded while a sync is out go in a second round of the same flight", async () => {
    const answers = [deferred<HealthSnapshot>(), deferred<HealthSnapshot>()];
    const calls: RouteReport[][] = [];
    const e = envWith({ sync: (r) => (calls.push(r), answers[calls.length - 1]!.promise) });
    const t = controlled();
    expect(t.sync(e)).toBe(1);
    await tick();
    t.view.record(KEY, fail);
    expect(t.sync(e)).toBe(0);
    answers[0]!.resolve({});
    await tick();
    expect(t.sleeps.map((s) => s.ms)).toEqual([FAILURE_SYNC_MS]);
    t.sleeps[0]?.wake();
    await tick();
    answers[1]!.resolve({});
    await t.settle();
    expect(calls.map((c) => c.length)).toEqual([0, 1]);
  });

  it("a failed sync affects no request: nothing thrown, its reports go with the next sync", async () => {
    let attempt = 0;
    const calls: RouteReport[][] = [];
    const e = envWith({
      sync: async (r) => {
        calls.push(r);
        if (++attempt === 1) throw new Error("Durable Object is overloaded");
        return {};
      },
    });
    const t = controlled();
    t.view.record(KEY, fail);
    t.view.record(KEY, fail);
    expect(t.sync(e)).toBe(1);
    await expect(t.settle()).resolves.toBeDefined();
    t.view.record(KEY, fail);
    expect(t.sync(e)).toBe(1);
    t.sleeps[0]?.wake(); // retried no sooner than FAILURE_SYNC_MS after the failed one
    await t.settle();
    expect(calls[1]).toEqual([expect.objectContaining({ trailingFailures: 3 })]);
    expect(() => t.view.sync(e, () => { throw new Error("waitUntil refused"); })).not.toThrow();
  });

  it("a sync whose request was cut off frees the slot after its bound", async () => {
    const e = envWith({ sync: () => new Promise<HealthSnapshot>(() => {}) });
    const t = controlled();
    t.view.record(KEY, fail);
    expect(t.sync(e)).toBe(1); // never settles (its request was cancelled)
    t.clock.now += SYNC_TIMEOUT_MS - 1;
    t.view.record(KEY, fail);
    expect(t.sync(e)).toBe(0);
    t.clock.now += 1;
    expect(t.sync(e)).toBe(1);
  });
});

describe("a probe's outcome and a sync crossing it", () => {
  it("a probe success recorded while a sync is out survives that sync's (older) snapshot", async () => {
    const halfOpen = { [KEY]: { openForMs: 0, cooldownMs: BREAKER_DEFAULTS.baseCooldownMs, latencyMs: null } };
    const answers = [deferred<HealthSnapshot>(), deferred<HealthSnapshot>()];
    const calls: RouteReport[][] = [];
    const e = envWith({
      sync: (r) => (calls.push(r), answers[calls.length - 1]!.promise),
      claimProbe: async () => ({ granted: true, route: halfOpen[KEY] }),
    });
    const t = controlled();
    t.sync(e);
    answers[0]!.resolve(halfOpen);
    await t.settle();
    expect(t.view.state(KEY)).toBe("half_open");
    expect(await t.view.claimProbe(e, KEY)).toBe(true);
    t.clock.now += SYNC_INTERVAL_MS;
    t.sync(e); // out before the probe's outcome is known
    await tick();
    t.view.record(KEY, { ok: true, latencyMs: 10 });
    answers[1]!.resolve(halfOpen);
    await tick();
    await tick();
    expect(t.view.state(KEY)).toBe("closed");
    expect(calls[1]).toEqual([]);
  });
});

describe("claimProbe when the RouteHealth object cannot answer", () => {
  it("lets this isolate probe on its own, one request at a time", async () => {
    const t = controlled();
    const e = envWith({ claimProbe: () => Promise.reject(new Error("unreachable")), sync: async () => ({}) });
    for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) t.view.record(KEY, fail);
    t.clock.now += BREAKER_DEFAULTS.baseCooldownMs;
    expect(await t.view.claimProbe(e, KEY)).toBe(true);
    expect(await t.view.claimProbe(e, KEY)).toBe(false);
    t.view.record(KEY, { ok: true, latencyMs: 10 });
    expect(t.view.state(KEY)).toBe("closed");
  });
});

describe("healthStub", () => {
  it("makes the id in the configured jurisdiction", () => {
    const calls: string[] = [];
    const ns = { idFromName: () => ({}), get: () => ({}), jurisdiction: (j: string) => (calls.push(j), ns) };
    healthStub({ ...env, DURABLE_OBJECT_JURISDICTION: "eu", ROUTE_HEALTH: ns } as unknown as Env);
    expect(calls).toEqual(["eu"]);
  });
});
