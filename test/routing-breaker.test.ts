/**
 * The circuit breaker through the router: a route that keeps failing is
 * skipped (the fake upstream's records prove it is not even called), then,
 * once its cooldown has passed, one request probes it and, succeeding,
 * closes it. Time is controlled for both the isolate's view and the shared
 * RouteHealth object.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { BREAKER_DEFAULTS } from "../src/routing/health-policy";
import { resetRouteHealth, routeState } from "../src/routing/health";
import type { RouteHealth } from "../src/routing/health-do";
import { eventually } from "./helpers/limiter";
import { chat, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

const MODEL = "mistral/mistral-small-latest";
const EU_ROUTE = "mistral-eu:mistral-small-latest";

let customer: Customer;
beforeAll(async () => {
  // Consent to transfers: the model's global route is a fallback for this account.
  customer = await newCustomer({ consent: true });
});

/**
 * Waits until the shared object has opened the route too: the isolate's
 * reports reach it in waitUntil, and moving the clock while one is still on
 * its way would make the object judge it at the wrong time.
 */
async function untilSharedOpen(stub: DurableObjectStub<RouteHealth>): Promise<void> {
  await vi.waitFor(
    async () => {
      const snapshot = await runInDurableObject(stub, (instance: RouteHealth) => instance.sync([]));
      expect(snapshot[EU_ROUTE]?.openForMs ?? 0).toBeGreaterThan(0);
    },
    { timeout: 15_000, interval: 100 },
  );
}

/** A fresh breaker view and shared object for this test, both on one clock the test moves. */
async function controlledHealth(): Promise<{ clock: { now: number }; stub: DurableObjectStub<RouteHealth> }> {
  const clock = { now: Date.now() };
  const objectName = `breaker-${crypto.randomUUID()}`;
  resetRouteHealth({ clock: () => clock.now, objectName });
  const stub = env.ROUTE_HEALTH.get(env.ROUTE_HEALTH.idFromName(objectName));
  await runInDurableObject(stub, (instance: RouteHealth) => {
    instance.clock = () => clock.now;
  });
  return { clock, stub };
}

async function ask(marker: string, directive = ""): Promise<Response> {
  const res = await chat(customer.key, { model: MODEL, messages: [{ role: "user", content: `${marker} ${directive}` }] });
  await res.text();
  return res;
}

describe("the circuit breaker of a route, through the router", () => {
  it("opens after repeated failures (the route is skipped), lets one probe through after the cooldown, and closes on its success", async () => {
    const { clock, stub } = await controlledHealth();

    // The EU route fails every time; the global route answers each request.
    const failing = 'fake:{"status":500,"route":"mistral"}';
    for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) {
      const marker = tag();
      const res = await ask(marker, failing);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-emby-route")).toBe("mistral-global");
      expect(res.headers.get("x-emby-attempts")).toBe("2");
      expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["mistral", "mistral-global"]);
      clock.now += 1_000;
    }
    expect(routeState(EU_ROUTE)).toBe("open");
    await untilSharedOpen(stub);

    // Open: the EU route is not called at all, even though it would now answer.
    const skipped = tag();
    const res = await ask(skipped);
    expect(res.headers.get("x-emby-route")).toBe("mistral-global");
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect((await upstreamRequests(skipped)).map((r) => r.label)).toEqual(["mistral-global"]);

    // After the cooldown one request probes the route; it succeeds and closes the breaker.
    clock.now += BREAKER_DEFAULTS.baseCooldownMs + 1;
    expect(routeState(EU_ROUTE)).toBe("half_open");
    const probe = tag();
    const probed = await ask(probe);
    expect(probed.headers.get("x-emby-route")).toBe("mistral-eu");
    expect((await upstreamRequests(probe)).map((r) => r.label)).toEqual(["mistral"]);
    expect(routeState(EU_ROUTE)).toBe("closed");

    const after = tag();
    expect((await ask(after)).headers.get("x-emby-route")).toBe("mistral-eu");
    expect((await upstreamRequests(after)).map((r) => r.label)).toEqual(["mistral"]);
  });

  it("a failed probe keeps the route open: the next request skips it again", async () => {
    const { clock, stub } = await controlledHealth();
    const failing = 'fake:{"status":503,"route":"mistral"}';
    for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) await ask(tag(), failing);
    await untilSharedOpen(stub);
    clock.now += BREAKER_DEFAULTS.baseCooldownMs + 1;

    const probe = tag();
    const probed = await ask(probe, failing);
    // The probe failed, and its request still got an answer from the next route.
    expect(probed.status).toBe(200);
    expect((await upstreamRequests(probe)).map((r) => r.label)).toEqual(["mistral", "mistral-global"]);
    expect(routeState(EU_ROUTE)).toBe("open");

    const skipped = tag();
    await ask(skipped);
    expect((await upstreamRequests(skipped)).map((r) => r.label)).toEqual(["mistral-global"]);
  });

  it("a probe answered with the client's own error (upstream 400) proves the route answered: it closes", async () => {
    let now = Date.now();
    const objectName = `breaker-${crypto.randomUUID()}`;
    resetRouteHealth({ clock: () => now, objectName });
    const stub = env.ROUTE_HEALTH.get(env.ROUTE_HEALTH.idFromName(objectName));
    await runInDurableObject(stub, (instance: RouteHealth) => {
      instance.clock = () => now;
    });
    for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) await ask(tag(), 'fake:{"status":500,"route":"mistral"}');
    expect(routeState(EU_ROUTE)).toBe("open");
    now += BREAKER_DEFAULTS.baseCooldownMs + 1;

    const probe = tag();
    const refused = await ask(probe, 'fake:{"status":400,"route":"mistral"}');
    expect(refused.status).toBe(400);
    expect((await upstreamRequests(probe)).map((r) => r.label)).toEqual(["mistral"]);
    expect(routeState(EU_ROUTE)).toBe("closed");

    now += 1_000;
    const next = tag();
    expect((await ask(next)).headers.get("x-emby-route")).toBe("mistral-eu");
    expect((await upstreamRequests(next)).map((r) => r.label)).toEqual(["mistral"]);
  });
});

describe("failures after the response committed", () => {
  it("a route whose streams keep breaking after their first chunk opens its breaker", async () => {
    resetRouteHealth({ objectName: `midstream-${crypto.randomUUID()}` });
    for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) {
      const res = await chat(customer.key, { model: MODEL, stream: true, messages: [{ role: "user", content: `${tag()} fake:{"drop":"mid","route":"mistral"}` }] });
      // Committed on the EU route: the client gets its error event there, no fallback.
      expect(res.headers.get("x-emby-route")).toBe("mistral-eu");
      await res.text();
    }
    await eventually(async () => routeState(EU_ROUTE) === "open");
    const marker = tag();
    const res = await ask(marker);
    expect(res.headers.get("x-emby-route")).toBe("mistral-global");
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["mistral-global"]);
  });
});

describe("rate limits are not broken routes", () => {
  it("repeated upstream 429s whose Retry-After the router waits out never pause a single-route model", async () => {
    resetRouteHealth({ objectName: `r429-${crypto.randomUUID()}` });
    // Each request tries the route 3 times (two 1 s waits): enough of them to open a breaker that counted them.
    for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) {
      const res = await chat(customer.key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: `${tag()} fake:{"status":429,"retryAfter":1}` }] });
      await res.text();
      expect(res.status).toBe(429);
    }
    const marker = tag();
    const res = await chat(customer.key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: marker }] });
    await res.text();
    expect(res.status).toBe(200);
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["openai"]);
  }, 60_000);
});
