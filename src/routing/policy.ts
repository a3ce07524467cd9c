/**
 * The routing settings an operator tunes with vars (README, "Configuration"),
 * parsed once per isolate. Defaults:
 * - ROUTING_MAX_ATTEMPTS 3: attempts over all routes and models of a request;
 * - ROUTING_BUDGET_MS 180000: from the first attempt until a response must have
 *   started. It exceeds the default first-byte timeout (UPSTREAM_TIMEOUT_MS,
 *   120 s: a non-streamed answer of a reasoning model arrives whole, after all
 *   its thinking), so a route that times out still leaves room for another;
 * - ROUTING_MAX_RETRY_WAIT_MS 10000: the longest Retry-After the router waits
 *   out itself before retrying the same route; a longer one moves on to the
 *   next route (the client would rather have an answer from another endpoint
 *   than wait);
 * - STREAM_IDLE_TIMEOUT_MS 120000: the longest silence between two stream
 *   chunks. Reasoning models can think for minutes before their first
 *   content; Anthropic sends pings meanwhile, OpenAI does not.
 * Backoff between retries of one route: full jitter over 250 ms × 2^n, capped
 * at 4 s, and never shorter than the upstream's own hint.
 */
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS } from "../providers/relay";
import type { AttemptPolicy } from "./attempts";

export interface RoutingSettings {
  policy: AttemptPolicy;
  defaults: { firstByteMs: number; idleMs: number };
}

/** A whole number from 1 to max; anything else (empty, zero, a fraction below 1) keeps the default rather than allow no attempt. */
const positive = (value: string | undefined, fallback: number, max: number): number => {
  const n = Math.floor(Number(value));
  return Number.isFinite(n) && n >= 1 ? Math.min(n, max) : fallback;
};

/** Wait for response headers when neither the route nor UPSTREAM_TIMEOUT_MS says. */
const DEFAULT_FIRST_BYTE_MS = 120_000;

const cache = new WeakMap<object, RoutingSettings>();

export function routingSettings(env: Env): RoutingSettings {
  let settings = cache.get(env);
  if (!settings) {
    settings = {
      policy: {
        maxAttempts: positive(env.ROUTING_MAX_ATTEMPTS, 3, 10),
        budgetMs: positive(env.ROUTING_BUDGET_MS, 180_000, 900_000),
        maxRetryWaitMs: positive(env.ROUTING_MAX_RETRY_WAIT_MS, 10_000, 120_000),
        backoffBaseMs: 250,
        backoffCapMs: 4_000,
      },
      defaults: {
        firstByteMs: positive(env.UPSTREAM_TIMEOUT_MS, DEFAULT_FIRST_BYTE_MS, Number.MAX_SAFE_INTEGER),
        idleMs: positive(env.STREAM_IDLE_TIMEOUT_MS, DEFAULT_STREAM_IDLE_TIMEOUT_MS, 900_000),
      },
    };
    cache.set(env, settings);
  }
  return settings;
}
