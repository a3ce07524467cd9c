/**
 * The attempt loop on its own: fake attempt functions that fail as upstreams
 * do (the errors come from the router's own mapping of upstream responses),
 * a controlled clock whose sleeps are recorded and take no real time, and an
 * injected random for the backoff's jitter.
 */
import { describe, expect, it, vi } from "vitest";
import { findEndpoint } from "../src/providers/endpoints";
import { tokenFailure } from "../src/providers/google-auth/exchange";
import type { ChatResult, ModelEntry, Route } from "../src/providers/types";
import { ClientClosedError, upstreamError } from "../src/providers/upstream";
import { AttemptsFailed, mostUsefulError, runAttempts, type AttemptHooks, type AttemptPolicy, type AttemptRecord, type Clock } from "../src/routing/attempts";
import type { Candidate } from "../src/routing/plan";
import { ApiError, errors } from "../src/shared/errors";

const POLICY: AttemptPolicy = { maxAttempts: 3, budgetMs: 10_000, maxRetryWaitMs: 2_000, backoffBaseMs: 250, backoffCapMs: 4_000 };

function route(endpoint: string, upstreamModel = "m"): Route {
  return { endpoint, upstreamModel, region: findEndpoint(endpoint)!.region, pricing: { prompt: 1, completion: 2 }, contextLength: 1000, maxOutputTokens: 100 };
}

function model(id: string, routes: Route[]): ModelEntry {
  return { id, provider: "mistral", name: id, routes, contextLength: 1000, maxOutputTokens: 100 };
}

function candidate(endpoint: string, options: { probe?: boolean; firstByteTimeoutMs?: number; modelId?: string } = {}): Candidate {
  const r = route(endpoint);
  return {
    model: model(options.modelId ?? "mistral/test", [r]),
    route: r,
    endpoint: findEndpoint(endpoint)!,
    config: { baseUrl: "http://fake", apiKey: "k", timeoutMs: options.firstByteTimeoutMs ?? 5_000 },
    firstByteTimeoutMs: options.firstByteTimeoutMs ?? 5_000,
    idleTimeoutMs: 5_000,
    probe: options.probe ?? false,
  };
}

const A = () => candidate("mistral-eu");
const B = () => candidate("mistral-global");
const C = () => candidate("openai");

/** A clock that never waits: a sleep moves time forward and is recorded. */
class FakeClock implements Clock {
  t = 1_000_000;
  readonly sleeps: number[] = [];
  now() {
    return this.t;
  }
  async sleep(ms: number, signal: AbortSignal) {
    if (signal.aborted) throw new ClientClosedError(false);
    this.sleeps.push(ms);
    this.t += ms;
  }
}

/** An upstream answer with this status, mapped to the router's error as the adapters do. */
const upstream = (status: number, headers: Record<string, string> = {}) => () =>
  upstreamError(new Response(JSON.stringify({ error: { message: `upstream says ${status}` } }), { status, headers }), "Fake");

type Step = "ok" | (() => ApiError | Promise<ApiError>);

const ok = (): ChatResult => ({ response: new Response("answer"), outcome: Promise.resolve({ usage: null, result: "completed", firstByteAt: null }) });

interface Run {
  calls: { endpoint: string; timeoutMs: number }[];
  results: { endpoint: string; ok: boolean }[];
  /** The latency each result reported (null: answered, no latency sample). */
  latencies: (number | null)[];
  released: string[];
  probes: string[];
  clock: FakeClock;
  outcome: Promise<Awaited<ReturnType<typeof runAttempts>>>;
}

/** Runs the loop; the n-th attempt (over all routes) plays steps[n]. */
function run(candidates: Candidate[], steps: Step[], options: { policy?: Partial<AttemptPolicy>; hooks?: Partial<AttemptHooks>; clock?: FakeClock; onAttempt?: (n: number, clock: FakeClock, timeoutMs: number) => void } = {}): Run {
  const clock = options.clock ?? new FakeClock();
  const calls: Run["calls"] = [];
  const results: Run["results"] = [];
  const latencies: Run["latencies"] = [];
  const released: string[] = [];
  const probes: string[] = [];
  const outcome = runAttempts(
    candidates,
    async (c, timeoutMs) => {
      const n = calls.length;
      calls.push({ endpoint: c.route.endpoint, timeoutMs });
      options.onAttempt?.(n, clock, timeoutMs);
      const step = steps[n] ?? "ok";
      if (step === "ok") return ok();
      throw await step();
    },
    { ...POLICY, ...options.policy },
    {
      clock,
      signal: new AbortController().signal,
      random: () => 0.5,
      claimProbe: async (c) => {
        probes.push(c.route.endpoint);
        return true;
      },
      onRouteResult: (c, okay, latencyMs) => {
        results.push({ endpoint: c.route.endpoint, ok: okay });
        latencies.push(latencyMs);
      },
      onCommitted: (c, latencyMs) => {
        results.push({ endpoint: c.route.endpoint, ok: true });
        latencies.push(latencyMs);
      },
      releaseProbe: (c) => released.push(c.route.endpoint),
      ...options.hooks,
    },
  );
  return { calls, results, latencies, released, probes, clock, outcome };
}

async function failure(outcome: Promise<unknown>): Promise<AttemptsFailed> {
  const err = await outcome.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AttemptsFailed);
  return err as AttemptsFailed;
}

const codes = (attempts: readonly AttemptRecord[]) => attempts.map((a) => `${a.route} ${a.status} ${a.code}`);

describe("runAttempts: fallback", () => {
  it.each([
    ["a connection failure (502 upstream_unreachable)", () => errors.upstream("Could not reach the upstream provider.", "upstream_unreachable"), 502, "upstream_unreachable"],
    ["no access token from Google (502 upstream_auth_token_failed)", () => tokenFailure("HTTP 500"), 502, "upstream_auth_token_failed"],
    ["an upstream 500", upstream(500), 502, "upstream_error"],
    ["an upstream 502", upstream(502), 502, "upstream_error"],
    ["an upstream 429 without a hint", upstream(429), 429, "upstream_rate_limited"],
    ["an upstream 503 without a hint", upstream(503), 503, "upstream_unavailable"],
    ["an upstream 529 (overloaded, mapped to 503)", upstream(529), 503, "upstream_unavailable"],
    ["a first-byte timeout (504)", () => errors.upstreamTimeout(), 504, "upstream_timeout"],
    ["an upstream 408 (mapped to 504)", upstream(408), 504, "upstream_timeout"],
    ["an upstream 401 (the router's credential: 502 upstream_auth_error)", upstream(401), 502, "upstream_auth_error"],
    ["an upstream 403 (the router's credential: 502 upstream_auth_error)", upstream(403), 502, "upstream_auth_error"],
    ["an upstream 404 (the route does not serve the model: 502 upstream_model_not_found)", upstream(404), 502, "upstream_model_not_found"],
  ])("moves on to the next route at once after %s", async (_name, fail, status, code) => {
    const r = run([A(), B()], [fail, "ok"]);
    const won = await r.outcome;
    expect(won.candidate.route.endpoint).toBe("mistral-global");
    expect(codes(won.attempts)).toEqual([`mistral-eu ${status} ${code}`, "mistral-global 200 ok"]);
    expect(r.clock.sleeps).toEqual([]);
    expect(r.results).toEqual([
      { endpoint: "mistral-eu", ok: false },
      { endpoint: "mistral-global", ok: true },
    ]);
  });

  it.each([
    [400, 400, "upstream_invalid_request"],
    [413, 413, "request_too_large"],
    [422, 400, "upstream_invalid_request"],
  ])("returns the client's own error (upstream %i → %i) as it is, after one attempt; for health the route answered (no latency sample)", async (upstreamStatus, status, code) => {
    const r = run([A(), B()], [upstream(upstreamStatus), "ok"]);
    const err = await failure(r.outcome);
    expect(err.error.status).toBe(status);
    expect(err.error.code).toBe(code);
    expect(err.error.message).toBe(`upstream says ${upstreamStatus}`);
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu"]);
    expect(codes(err.attempts)).toEqual([`mistral-eu ${status} ${code}`]);
    expect(r.results).toEqual([{ endpoint: "mistral-eu", ok: true }]);
    expect(r.latencies).toEqual([null]);
  });

  it("records each attempt's latency on the clock", async () => {
    const r = run([A(), B()], [upstream(500), "ok"], { onAttempt: (n, clock) => (clock.t += n === 0 ? 300 : 40) });
    const won = await r.outcome;
    expect(won.attempts.map((a) => a.latencyMs)).toEqual([300, 40]);
  });

  it("tries the next model's routes after the first model's", async () => {
    const r = run([candidate("mistral-eu", { modelId: "mistral/a" }), candidate("mistral-eu", { modelId: "mistral/b" })], [upstream(500), "ok"]);
    const won = await r.outcome;
    expect(won.candidate.model.id).toBe("mistral/b");
    expect(won.attempts.map((a) => a.model)).toEqual(["mistral/a", "mistral/b"]);
  });

  it("counts what is not an ApiError (a bug) as the route's failure: recorded, reported, logged without its message, next route tried", async () => {
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      const r = run([A(), B()], [() => Promise.reject(new TypeError("secret prompt text")), "ok"]);
      const won = await r.outcome;
      expect(won.candidate.route.endpoint).toBe("mistral-global");
      expect(codes(won.attempts)).toEqual(["mistral-eu 502 router_internal_error", "mistral-global 200 ok"]);
      expect(r.results).toEqual([
        { endpoint: "mistral-eu", ok: false },
        { endpoint: "mistral-global", ok: true },
      ]);
      expect(logged).toHaveLength(1);
      expect(JSON.stringify(logged)).toContain("TypeError");
      expect(JSON.stringify(logged)).not.toContain("secret prompt text");
    } finally {
      spy.mockRestore();
    }
  });

  it("answers the router's own 502 with the attempts when the only route's attempt threw a bug", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const r = run([A()], [() => Promise.reject(new TypeError("boom"))]);
      const err = await failure(r.outcome);
      expect(err.error.status).toBe(502);
      expect(err.error.code).toBe("router_internal_error");
      expect(codes(err.attempts)).toEqual(["mistral-eu 502 router_internal_error"]);
    } finally {
      spy.mockRestore();
    }
  });

  it("moves on when an upstream error body is cut off mid-read (502 upstream_interrupted)", async () => {
    const cut = () => upstreamError(new Response(new ReadableStream<Uint8Array>({ pull: (ctl) => ctl.error(new TypeError("Network connection lost.")) }), { status: 503 }), "Fake");
    const r = run([A(), B()], [cut, "ok"]);
    const won = await r.outcome;
    expect(codes(won.attempts)).toEqual(["mistral-eu 502 upstream_interrupted", "mistral-global 200 ok"]);
    expect(r.results[0]).toEqual({ endpoint: "mistral-eu", ok: false });
  });

  it("is the client's 499 (prompt sent) when the error body is cut off because the client left", async () => {
    const controller = new AbortController();
    controller.abort();
    const body = new ReadableStream<Uint8Array>({ pull: (ctl) => ctl.error(new DOMException("aborted", "AbortError")) });
    const err = await upstreamError(new Response(body, { status: 500 }), "Fake", controller.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientClosedError);
    expect((err as ClientClosedError).upstreamSent).toBe(true);
  });
});

describe("runAttempts: retries on Retry-After", () => {
  it.each([429, 503])("retries the same route on a %i whose hint fits, after waiting at least the hint", async (status) => {
    const r = run([A(), B()], [upstream(status, { "retry-after": "1" }), "ok"]);
    const won = await r.outcome;
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-eu"]);
    expect(won.candidate.route.endpoint).toBe("mistral-eu");
    expect(r.clock.sleeps).toHaveLength(1);
    expect(r.clock.sleeps[0]).toBeGreaterThanOrEqual(1_000);
  });

  it("reads retry-after-ms as well", async () => {
    const r = run([A(), B()], [upstream(429, { "retry-after-ms": "700" }), "ok"]);
    await r.outcome;
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-eu"]);
    expect(r.clock.sleeps[0]).toBeGreaterThanOrEqual(700);
  });

  it("moves on to the next route, without waiting, when the hint is above maxRetryWaitMs", async () => {
    const r = run([A(), B()], [upstream(429, { "retry-after": "3" }), "ok"]);
    const won = await r.outcome;
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-global"]);
    expect(won.candidate.route.endpoint).toBe("mistral-global");
    expect(r.clock.sleeps).toEqual([]);
  });

  it("moves on when the hint fits maxRetryWaitMs but not the budget left", async () => {
    const r = run([A(), B()], [upstream(503, { "retry-after": "2" }), "ok"], { policy: { budgetMs: 2_500, maxRetryWaitMs: 5_000 }, onAttempt: (n, clock) => n === 0 && (clock.t += 600) });
    await r.outcome;
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-global"]);
    expect(r.clock.sleeps).toEqual([]);
  });

  it("does not retry the same route on a hint of any other failure", async () => {
    // A 500 with a Retry-After: the route is broken, not busy.
    const r = run([A(), B()], [upstream(500, { "retry-after": "1" }), "ok"]);
    await r.outcome;
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-global"]);
  });

  it("waits with exponential backoff and full jitter, never less than the hint", async () => {
    const rnd = [0.5, 0.5, 0.999];
    const r = run([A(), B()], [upstream(429, { "retry-after": "0" }), upstream(429, { "retry-after": "0" }), upstream(429, { "retry-after": "0" }), "ok"], {
      policy: { maxAttempts: 4 },
      hooks: { random: () => rnd.shift() ?? 0 },
    });
    await r.outcome;
    // Windows 250, 500, 1000 ms (base 250 × 2^n): the wait is random × window.
    expect(r.clock.sleeps).toEqual([125, 250, 999]);
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-eu", "mistral-eu", "mistral-eu"]);
  });

  it("caps the jitter window at backoffCapMs, and the hint wins over a shorter jitter", async () => {
    const r = run([A()], [upstream(503, { "retry-after": "0" }), upstream(503, { "retry-after": "1" }), "ok"], {
      policy: { backoffBaseMs: 1_000, backoffCapMs: 1_200, maxRetryWaitMs: 5_000 },
      hooks: { random: () => 0.999 },
    });
    await r.outcome;
    // First window min(1200, 1000) → 999; second min(1200, 2000) → 1198.8, above the 1000 ms hint.
    expect(r.clock.sleeps[0]).toBeCloseTo(999, 5);
    expect(r.clock.sleeps[1]).toBeCloseTo(1198.8, 5);
    const low = run([A()], [upstream(503, { "retry-after": "1" }), "ok"], { hooks: { random: () => 0 } });
    await low.outcome;
    expect(low.clock.sleeps).toEqual([1_000]);
  });
});

describe("runAttempts: what route health hears", () => {
  it("a 429 whose hint the loop waits out is the route answering, never a failure, however often it repeats", async () => {
    const limited = upstream(429, { "retry-after": "1" });
    const r = run([A()], [limited, limited, limited]);
    const err = await failure(r.outcome);
    expect(err.error.status).toBe(429);
    expect(r.calls).toHaveLength(3);
    expect(r.results).toEqual([0, 1, 2].map(() => ({ endpoint: "mistral-eu", ok: true })));
    expect(r.latencies).toEqual([null, null, null]);
  });

  it("a 429 with a hint longer than the loop waits, or none, is a failure of the route", async () => {
    const r = run([A(), B()], [upstream(429, { "retry-after": "3" }), upstream(429)]);
    await failure(r.outcome);
    expect(r.results).toEqual([
      { endpoint: "mistral-eu", ok: false },
      { endpoint: "mistral-global", ok: false },
    ]);
  });

  it("counts at most one failure per route per request, however often the route is retried", async () => {
    const busy = upstream(503, { "retry-after": "1" });
    const r = run([A(), B()], [busy, busy, busy]);
    await failure(r.outcome);
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-eu", "mistral-eu"]);
    expect(r.results).toEqual([{ endpoint: "mistral-eu", ok: false }]);
  });

  it("a success after a failure of the same route is still heard", async () => {
    const r = run([A()], [upstream(503, { "retry-after": "1" }), "ok"]);
    await r.outcome;
    expect(r.results).toEqual([
      { endpoint: "mistral-eu", ok: false },
      { endpoint: "mistral-eu", ok: true },
    ]);
  });
});

describe("runAttempts: bounds", () => {
  it("makes at most maxAttempts attempts over all routes", async () => {
    const r = run([A(), B(), C(), candidate("anthropic")], [upstream(500), upstream(500), upstream(500), upstream(500)]);
    const err = await failure(r.outcome);
    expect(r.calls).toHaveLength(3);
    expect(err.attempts).toHaveLength(3);
  });

  it("counts retries of one route against maxAttempts", async () => {
    const hint = upstream(429, { "retry-after": "0" });
    const r = run([A(), B()], [hint, hint, hint, "ok"]);
    const err = await failure(r.outcome);
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu", "mistral-eu", "mistral-eu"]);
    // No wait after the last attempt: nothing follows it.
    expect(r.clock.sleeps).toHaveLength(2);
    expect(err.error.status).toBe(429);
  });

  it("cuts each attempt's first-byte timeout to the budget left, and stops when it is spent", async () => {
    // Every attempt times out: it takes the whole timeout it was given.
    const timeout = () => errors.upstreamTimeout();
    const r = run([candidate("mistral-eu", { firstByteTimeoutMs: 600 }), candidate("mistral-global", { firstByteTimeoutMs: 600 }), C()], [timeout, timeout, timeout], {
      policy: { budgetMs: 1_000 },
      onAttempt: (_n, clock, timeoutMs) => (clock.t += timeoutMs),
    });
    const err = await failure(r.outcome);
    expect(r.calls).toEqual([
      { endpoint: "mistral-eu", timeoutMs: 600 },
      { endpoint: "mistral-global", timeoutMs: 400 },
    ]);
    expect(err.error.status).toBe(504);
    expect(err.error.code).toBe("upstream_timeout");
  });
});

describe("runAttempts: client abort", () => {
  it("rejects with client_closed_request during a pending retry wait, and makes no further attempt", async () => {
    const controller = new AbortController();
    let sleeping!: () => void;
    const started = new Promise<void>((resolve) => (sleeping = resolve));
    const clock = new FakeClock();
    clock.sleep = (_ms, signal) =>
      new Promise<void>((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(new ClientClosedError(false)), { once: true });
        sleeping();
      });
    const r = run([A(), B()], [upstream(429, { "retry-after": "1" }), "ok"], { clock, hooks: { signal: controller.signal } });
    await started;
    controller.abort();
    const err = await failure(r.outcome);
    expect(err.error).toBeInstanceOf(ClientClosedError);
    expect(err.error.code).toBe("client_closed_request");
    expect(err.error.status).toBe(499);
    expect(r.calls).toHaveLength(1);
    expect(codes(err.attempts)).toEqual(["mistral-eu 429 upstream_rate_limited"]);
  });

  it("makes no further attempt once the client has left, even when no wait is pending", async () => {
    const controller = new AbortController();
    const r = run([A(), B()], [() => (controller.abort(), errors.upstream("down", "upstream_unreachable")), "ok"], { hooks: { signal: controller.signal } });
    const err = await failure(r.outcome);
    expect(err.error.code).toBe("client_closed_request");
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-eu"]);
    expect(codes(err.attempts)).toEqual(["mistral-eu 502 upstream_unreachable"]);
  });

  it("records an attempt the client cancelled without a status, and does not count it against the route", async () => {
    const r = run([A(), B()], [() => new ClientClosedError(true), "ok"]);
    const err = await failure(r.outcome);
    expect(err.error.code).toBe("client_closed_request");
    expect(err.attempts).toMatchObject([{ route: "mistral-eu", status: null, code: "client_closed_request" }]);
    expect(r.results).toEqual([]);
    expect(r.released).toEqual([]);
  });

  it("gives back the probe of a half-open route when the client left during it", async () => {
    const r = run([candidate("mistral-eu", { probe: true }), B()], [() => new ClientClosedError(true)]);
    await failure(r.outcome);
    expect(r.results).toEqual([]);
    expect(r.released).toEqual(["mistral-eu"]);
  });
});

describe("runAttempts: half-open probes", () => {
  it("skips a half-open route when this request does not win its probe", async () => {
    const r = run([candidate("mistral-eu", { probe: true }), B()], ["ok"], { hooks: { claimProbe: async () => false } });
    const won = await r.outcome;
    expect(won.candidate.route.endpoint).toBe("mistral-global");
    expect(r.calls.map((c) => c.endpoint)).toEqual(["mistral-global"]);
  });

  it("tries it when the probe is won, and asks only for half-open routes", async () => {
    const r = run([A(), candidate("mistral-global", { probe: true })], [upstream(500), "ok"]);
    const won = await r.outcome;
    expect(won.candidate.route.endpoint).toBe("mistral-global");
    expect(r.probes).toEqual(["mistral-global"]);
  });

  it("does not take a half-open route's probe once the request may make no more attempts", async () => {
    const r = run([A(), B(), candidate("openai", { probe: true })], [upstream(500), upstream(500)], { policy: { maxAttempts: 2 } });
    await failure(r.outcome);
    expect(r.probes).toEqual([]);
    const spent = run([A(), candidate("openai", { probe: true })], [upstream(500)], { policy: { budgetMs: 500 }, onAttempt: (_n, clock) => (clock.t += 500) });
    await failure(spent.outcome);
    expect(spent.probes).toEqual([]);
  });

  it("answers 503 no_route_available when every route was a probe another request holds", async () => {
    const r = run([candidate("mistral-eu", { probe: true })], [], { hooks: { claimProbe: async () => false } });
    const err = await failure(r.outcome);
    expect(err.error.status).toBe(503);
    expect(err.error.code).toBe("no_route_available");
    expect(err.error.headers["retry-after"]).toBeDefined();
    expect(err.attempts).toEqual([]);
  });
});

describe("mostUsefulError", () => {
  const attempt = (route: string, e: ApiError): AttemptRecord => ({ route, model: "m/x", upstreamModel: "x", code: e.code, status: e.status, latencyMs: 1 });
  const of = (...errs: ApiError[]) => mostUsefulError(errs, errs.map((e, i) => attempt(`r${i}`, e)));
  const limited = (retryAfterMs: number | null) => new ApiError(429, "rate_limit_error", "upstream_rate_limited", "slow down", null, {}, retryAfterMs);
  const unavailable = (retryAfterMs: number | null) => new ApiError(503, "upstream_error", "upstream_unavailable", "busy", null, {}, retryAfterMs);

  it("is the error itself after a single attempt", () => {
    const only = limited(7_000);
    expect(of(only)).toBe(only);
    const broken = errors.upstream("Could not reach the upstream provider.", "upstream_unreachable");
    expect(of(broken)).toBe(broken);
  });

  it("is 429 with the smallest Retry-After when every attempt was rate-limited", () => {
    const err = of(limited(30_000), limited(4_500), limited(null));
    expect(err.status).toBe(429);
    expect(err.code).toBe("upstream_rate_limited");
    expect(err.headers["retry-after"]).toBe("5");
    expect(err.message).toContain("r0 429 upstream_rate_limited; r1 429 upstream_rate_limited");
  });

  it("is 503, with the smallest known Retry-After, when a 429 mixes with a 503", () => {
    const err = of(limited(20_000), unavailable(8_000));
    expect(err.status).toBe(503);
    expect(err.headers["retry-after"]).toBe("8");
  });

  it("is 503 when any route was out of capacity among other failures", () => {
    const err = of(errors.upstreamTimeout(), unavailable(null));
    expect(err.status).toBe(503);
    expect(err.headers["retry-after"]).toBe("10");
  });

  it("is 504 when every attempt timed out", () => {
    const err = of(errors.upstreamTimeout(), errors.upstreamTimeout());
    expect(err.status).toBe(504);
    expect(err.code).toBe("upstream_timeout");
  });

  it("is 502 with the last failure's code otherwise", () => {
    const err = of(errors.upstreamTimeout(), errors.upstream("The Fake API rejected the router's credentials.", "upstream_auth_error"));
    expect(err.status).toBe(502);
    expect(err.code).toBe("upstream_auth_error");
    expect(err.message).toContain("rejected the router's credentials");
    expect(err.message).toContain("2 attempts");
  });

  it("speaks of this model, or of these models when fallback models were tried", () => {
    const one = of(errors.upstreamTimeout(), errors.upstreamTimeout());
    expect(one.message).toContain("Every route of this model timed out");
    const failures = [errors.upstreamTimeout(), errors.upstreamTimeout()];
    const two = mostUsefulError(failures, [attempt("r0", failures[0]!), { ...attempt("r1", failures[1]!), model: "m/y" }]);
    expect(two.message).toContain("Every route of these models timed out");
  });

  it("is what the loop answers when every route failed", async () => {
    const r = run([A(), B()], [upstream(429, { "retry-after": "30" }), upstream(429, { "retry-after": "20" })]);
    const err = await failure(r.outcome);
    expect(err.error.status).toBe(429);
    expect(err.error.headers["retry-after"]).toBe("20");
    const mixed = run([A(), B()], [upstream(429, { "retry-after": "30" }), upstream(503)]);
    expect((await failure(mixed.outcome)).error.status).toBe(503);
  });
});
