import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RouteHealth } from "../src/routing/health-do";
import { BREAKER_DEFAULTS, LATENCY_MAX_AGE_MS, MAX_ROUTES, emptyReport, type RouteReport } from "../src/routing/health-policy";

const { baseCooldownMs, maxCooldownMs, probeLeaseMs, failureWindowMs } = BREAKER_DEFAULTS;
const KEY = "openai:gpt-4.1";

let objects = 0;
/** A RouteHealth object of its own (own state), its clock under the test's control. */
async function healthObject() {
  const stub = env.ROUTE_HEALTH.get(env.ROUTE_HEALTH.idFromName(`do-test-${++objects}-${crypto.randomUUID()}`));
  const clock = { now: 1_800_000_000_000 };
  await runInDurableObject(stub, (o: RouteHealth) => void (o.clock = () => clock.now));
  return { stub, clock };
}

const report = (fields: Partial<RouteReport>, key = KEY): RouteReport => ({ ...emptyReport(key), ...fields });
const failures = (n: number, key = KEY) => report({ trailingFailures: n }, key);

describe("RouteHealth object: the breaker", () => {
  it("opens once the failure streak reaches the threshold, added up across isolates", async () => {
    const { stub } = await healthObject();
    expect(await stub.sync([failures(3)])).toEqual({});
    const snapshot = await stub.sync([failures(2)]); // another isolate's two
    expect(snapshot[KEY]).toEqual({ openForMs: baseCooldownMs, cooldownMs: baseCooldownMs, latencyMs: null });
  });

  it("a success resets the streak; a batch's trailing failures after its success still count", async () => {
    const { stub } = await healthObject();
    await stub.sync([failures(4)]);
    await stub.sync([report({ ok: 1, trailingFailures: 1 })]);
    expect((await stub.sync([failures(3)]))[KEY]).toBeUndefined(); // 1 + 3 < 5
    expect((await stub.sync([failures(1)]))[KEY]?.openForMs).toBe(baseCooldownMs);
  });

  it("failures further apart than the window start a new streak", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([failures(4)]);
    clock.now += failureWindowMs + 1;
    expect((await stub.sync([failures(1)]))[KEY]).toBeUndefined();
    clock.now += failureWindowMs;
    expect((await stub.sync([failures(4)]))[KEY]?.openForMs).toBe(baseCooldownMs);
  });

  it("is half-open after the cooldown and lets exactly one of many concurrent claims through", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([failures(5)]);
    expect((await stub.claimProbe(KEY)).granted).toBe(false); // still cooling down
    clock.now += baseCooldownMs;
    const claims = await Promise.all(Array.from({ length: 8 }, () => stub.claimProbe(KEY)));
    expect(claims.filter((c) => c.granted)).toHaveLength(1);
    // Everyone else is told to stay away while the probe is out.
    expect(claims.find((c) => !c.granted)?.route.openForMs).toBe(probeLeaseMs);
    expect((await stub.sync([]))[KEY]?.openForMs).toBe(probeLeaseMs);
  });

  it("lets a second probe through once the first one's lease ran out unreported", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([failures(5)]);
    clock.now += baseCooldownMs;
    expect((await stub.claimProbe(KEY)).granted).toBe(true);
    clock.now += probeLeaseMs - 1;
    expect((await stub.claimProbe(KEY)).granted).toBe(false);
    clock.now += 1;
    expect((await stub.claimProbe(KEY)).granted).toBe(true);
  });

  it("a released probe (its client left) frees the route for the next claim before the lease ends, and leaves it half-open", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([failures(5)]);
    clock.now += baseCooldownMs;
    expect((await stub.claimProbe(KEY)).granted).toBe(true);
    expect((await stub.claimProbe(KEY)).granted).toBe(false);
    expect((await stub.sync([report({ probe: "released" })]))[KEY]?.openForMs).toBe(0);
    expect((await stub.claimProbe(KEY)).granted).toBe(true);
  });

  it("closes on a probe's success; ordinary outcomes while open do not move it", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([failures(5)]);
    // A straggler's success (began before the breaker opened) leaves it open.
    expect((await stub.sync([report({ ok: 3 })]))[KEY]?.openForMs).toBe(baseCooldownMs);
    clock.now += baseCooldownMs;
    await stub.claimProbe(KEY);
    expect(await stub.sync([report({ probe: "ok" })])).toEqual({});
    expect(await stub.claimProbe(KEY)).toEqual({ granted: true, route: { openForMs: null, cooldownMs: baseCooldownMs, latencyMs: null } });
  });

  it("reopens on a probe's failure with the cooldown doubled each time, up to the cap", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([failures(5)]);
    const cooldowns: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.now += maxCooldownMs;
      expect((await stub.claimProbe(KEY)).granted).toBe(true);
      const route = (await stub.sync([report({ probe: "failed" })]))[KEY];
      expect(route?.openForMs).toBe(route?.cooldownMs);
      cooldowns.push(route?.cooldownMs ?? 0);
    }
    expect(cooldowns).toEqual([60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
    // A success closes it and the next opening starts from the base cooldown again.
    clock.now += maxCooldownMs;
    await stub.claimProbe(KEY);
    await stub.sync([report({ probe: "ok" })]);
    expect((await stub.sync([failures(5)]))[KEY]?.cooldownMs).toBe(baseCooldownMs);
  });

  it("keeps an open breaker across a restart (persisted), but not a failure streak (memory only)", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([failures(5), failures(4, "mistral-eu:mistral-small-latest")]);
    await evictDurableObject(stub);
    await runInDurableObject(stub, (o: RouteHealth) => void (o.clock = () => clock.now));
    const snapshot = await stub.sync([failures(1, "mistral-eu:mistral-small-latest")]);
    expect(snapshot[KEY]?.openForMs).toBe(baseCooldownMs);
    expect(snapshot["mistral-eu:mistral-small-latest"]).toBeUndefined(); // 4 lost + 1 < 5
    // After a probe closes it, nothing is left to reload.
    clock.now += baseCooldownMs;
    await stub.claimProbe(KEY);
    await stub.sync([report({ probe: "ok" })]);
    expect(await runInDurableObject(stub, (_o: RouteHealth, state) => state.storage.sql.exec("select count(*) as n from open_routes").one().n)).toBe(0);
  });
});

describe("RouteHealth object: latency and bounds", () => {
  it("averages time to first byte across isolates (EWMA) and forgets it after LATENCY_MAX_AGE_MS", async () => {
    const { stub, clock } = await healthObject();
    await stub.sync([report({ ok: 1, latencyMs: 100, latencyCount: 1 })]);
    const latency = (await stub.sync([report({ ok: 2, latencyMs: 600, latencyCount: 2 })]))[KEY]?.latencyMs;
    // Two samples of 600 after 100, weight 0.2 each: 100·0.64 + 600·0.36 = 280.
    expect(latency).toBeCloseTo(280, 6);
    clock.now += LATENCY_MAX_AGE_MS + 1;
    expect((await stub.sync([]))[KEY]).toBeUndefined();
  });

  it(`tracks at most ${MAX_ROUTES} routes and drops a malformed batch without failing`, async () => {
    const { stub } = await healthObject();
    const many = Array.from({ length: MAX_ROUTES }, (_, i) => report({ ok: 1, latencyMs: 50, latencyCount: 1 }, `openai:model-${i}`));
    await stub.sync(many);
    const after = await stub.sync([report({ ok: 1, latencyMs: 50, latencyCount: 1 }, "openai:one-too-many")]);
    expect(Object.keys(after)).toHaveLength(MAX_ROUTES);
    expect(after["openai:one-too-many"]).toBeUndefined();
    expect(await stub.sync([{ ...failures(5), key: "has a space" }])).toEqual(after);
    expect(await stub.sync([{ ...failures(5), extra: 1 }])).toEqual(after);
    expect((await stub.claimProbe("x".repeat(500))).granted).toBe(false);
  });
});
