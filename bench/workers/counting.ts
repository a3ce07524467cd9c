/**
 * Bench-only wrapper around a worker's default export. It counts what requests
 * cost — D1 statements, Durable Object calls, queue sends, service-binding
 * calls and outbound fetches — by wrapping the env bindings and the global
 * fetch, and answers `GET /__bench/counts` (`?reset=1` zeroes them after
 * reading). The bench builds each worker through this wrapper (see
 * bench/build.ts); production code never imports it.
 *
 * Counters live in module scope: one isolate per worker in local workerd, so
 * they see every request. Calls made by a Durable Object from its own env are
 * not wrapped (they are not on the router's request path).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Counts } from "./counts.ts";

const zero = (): Counts => ({
  requests: 0,
  d1Statements: 0,
  d1Batches: 0,
  durableObjectCalls: 0,
  durableObjectCallsAfterResponse: 0,
  queueSends: 0,
  queueMessages: 0,
  queueBatchesConsumed: 0,
  queueMessagesConsumed: 0,
  queueEventsConsumed: 0,
  serviceCalls: 0,
  fetches: 0,
});

let counts = zero();

/**
 * Which phase of its request a binding call belongs to: before the handler
 * returned its response (the client waits on it) or after (waitUntil work).
 * The store follows promises and timers, so work a request schedules stays its own.
 */
const phase = new AsyncLocalStorage<{ responded: boolean }>();

type AnyFn = (...args: unknown[]) => unknown;
type Obj = Record<PropertyKey, unknown>;

const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  counts.fetches++;
  return realFetch(input, init);
};

/** Proxies hand their target to native code (D1's batch reads statement internals). */
const targets = new WeakMap<object, object>();
const unwrap = <T>(value: T): T => (typeof value === "object" && value !== null ? ((targets.get(value) as T | undefined) ?? value) : value);

/**
 * A proxy whose methods run on the real object (native bindings reject a proxy
 * as `this`); `override` may replace a method by name.
 */
function proxy<T extends object>(target: T, override: (name: PropertyKey, method: AnyFn) => AnyFn | undefined): T {
  const wrapped = new Proxy(target, {
    get(t, name) {
      const value = Reflect.get(t, name) as unknown;
      if (typeof value !== "function") return value;
      const method = (value as AnyFn).bind(t);
      return override(name, method) ?? method;
    },
  });
  targets.set(wrapped, target);
  return wrapped;
}

const STATEMENT_RUNS = new Set<PropertyKey>(["first", "all", "run", "raw"]);

function statement(stmt: object): object {
  return proxy(stmt, (name, method) => {
    if (name === "bind") return (...args) => statement(method(...args) as object);
    if (STATEMENT_RUNS.has(name)) {
      return (...args) => {
        counts.d1Statements++;
        return method(...args);
      };
    }
    return undefined;
  });
}

function d1(db: object): object {
  return proxy(db, (name, method) => {
    if (name === "prepare") return (...args) => statement(method(...args) as object);
    if (name === "batch") {
      return (stmts) => {
        const list = stmts as unknown[];
        counts.d1Batches++;
        counts.d1Statements += list.length;
        return method(list.map(unwrap));
      };
    }
    if (name === "exec") {
      return (sql) => {
        // exec runs one statement per line.
        counts.d1Statements += String(sql).split("\n").filter((line) => line.trim()).length;
        return method(sql);
      };
    }
    if (name === "withSession") return (...args) => d1(method(...args) as object);
    return undefined;
  });
}

/** A stub: any method called on it (RPC or fetch) is one Durable Object call. */
function stub(target: object): object {
  return new Proxy(target, {
    get(t, name) {
      const value = Reflect.get(t, name) as unknown;
      // `then` must stay undefined (a stub is not a promise); id/name are plain data.
      if (typeof name === "symbol" || name === "then" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counts.durableObjectCalls++;
        if (phase.getStore()?.responded) counts.durableObjectCallsAfterResponse++;
        // Not value.apply(): on an RPC property, `apply` is itself a remote method name.
        return Reflect.apply(value as AnyFn, t, args);
      };
    },
  });
}

function durableObjectNamespace(ns: object): object {
  return proxy(ns, (name, method) => {
    if (name === "get" || name === "getByName") return (...args) => stub(method(...args) as object);
    if (name === "jurisdiction") return (...args) => durableObjectNamespace(method(...args) as object);
    return undefined;
  });
}

/**
 * With `discard`, sends are counted and then dropped (resolved at once): the
 * `--discard-queue` experiment, which shows what the queue path costs locally
 * (Miniflare's queue broker and the logger run in the same workerd).
 */
function queue(q: object, discard: boolean): object {
  return proxy(q, (name, method) => {
    if (name === "send") {
      return (...args) => {
        counts.queueSends++;
        counts.queueMessages++;
        return discard ? Promise.resolve() : method(...args);
      };
    }
    if (name === "sendBatch") {
      return (messages, ...rest) => {
        counts.queueSends++;
        counts.queueMessages += [...(messages as Iterable<unknown>)].length;
        return discard ? Promise.resolve() : method(messages, ...rest);
      };
    }
    return undefined;
  });
}

function service(fetcher: object): object {
  return proxy(fetcher, (name, method) => {
    if (name !== "fetch") return undefined;
    return (...args) => {
      counts.serviceCalls++;
      return method(...args);
    };
  });
}

const has = (value: Obj, ...names: string[]) => names.every((n) => typeof value[n] === "function");

/** Set by the bench (not in any wrangler config): "1" turns on the queue experiment. */
const DISCARD_QUEUE_VAR = "BENCH_DISCARD_QUEUE";

/** Recognises a binding by its shape; anything else (vars, secrets) passes as is. */
function binding(value: unknown, discardQueue: boolean): unknown {
  if (typeof value !== "object" || value === null) return value;
  const v = value as Obj;
  if (has(v, "prepare", "batch")) return d1(v);
  if (has(v, "idFromName", "get")) return durableObjectNamespace(v);
  if (has(v, "send", "sendBatch")) return queue(v, discardQueue);
  if (has(v, "fetch")) return service(v);
  return value;
}

const wrappedEnvs = new WeakMap<object, object>();

function countingEnv(env: unknown): unknown {
  if (typeof env !== "object" || env === null) return env;
  let wrapped = wrappedEnvs.get(env);
  if (!wrapped) {
    const discardQueue = (env as Obj)[DISCARD_QUEUE_VAR] === "1";
    wrapped = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, binding(value, discardQueue)]));
    wrappedEnvs.set(env, wrapped);
  }
  return wrapped;
}

const BENCH_ROUTE = "/__bench/counts";

function benchRoute(request: Request): Response | null {
  // A substring test, not new URL(): parsing every request's URL showed up in profiles.
  if (!request.url.includes(BENCH_ROUTE)) return null;
  const url = new URL(request.url);
  if (url.pathname !== BENCH_ROUTE) return null;
  const body = JSON.stringify(counts);
  if (url.searchParams.has("reset")) counts = zero();
  return new Response(body, { headers: { "content-type": "application/json" } });
}

/** Wraps every handler of an object-style default export (fetch, queue, scheduled, ...). */
export function countingHandler<H extends object>(handler: H): H {
  if (typeof handler === "function") throw new Error("bench: class-based default exports are not wrapped yet; count them in countingHandler");
  const out: Obj = {};
  for (const [name, value] of Object.entries(handler)) {
    if (typeof value !== "function") continue;
    const fn = value as AnyFn;
    if (name === "fetch") {
      out.fetch = (request: Request, env: unknown, ctx: unknown) => {
        const bench = benchRoute(request);
        if (bench) return bench;
        counts.requests++;
        const state = { responded: false };
        return phase.run(state, async () => {
          try {
            return (await fn.call(handler, request, countingEnv(env), ctx)) as unknown;
          } finally {
            state.responded = true;
          }
        });
      };
    } else if (name === "queue") {
      out.queue = (batch: MessageBatch, env: unknown, ctx: unknown) => {
        counts.queueBatchesConsumed++;
        counts.queueMessagesConsumed += batch.messages.length;
        for (const { body } of batch.messages) {
          const events = (body as { events?: unknown } | null)?.events;
          counts.queueEventsConsumed += Array.isArray(events) ? events.length : 1;
        }
        return fn.call(handler, batch, countingEnv(env), ctx);
      };
    } else {
      out[name] = (event: unknown, env: unknown, ctx: unknown) => fn.call(handler, event, countingEnv(env), ctx);
    }
  }
  // Without a fetch handler of its own (the logger), the counts route still answers.
  out.fetch ??= (request: Request) => benchRoute(request) ?? new Response("not found", { status: 404 });
  return out as H;
}
