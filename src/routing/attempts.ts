/**
 * The attempt loop: tries a request's eligible routes in order until one
 * commits a response, before anything has gone to the client.
 *
 * - An adapter's call resolving means the response is committed (for a
 *   stream: its first content event is ready); a throw means nothing was sent,
 *   so the next route may be tried.
 * - The client's own errors (400, 413, 422) come back as they are: another
 *   route would refuse the same request.
 * - A route failure (unreachable, 5xx, 429, 529, a first-byte or pre-content
 *   timeout, the router's credential refused) moves on to the next route,
 *   immediately: another endpoint is not the one that is overloaded.
 * - The same route is retried only on 429/503 whose upstream said when
 *   (Retry-After, retry-after-ms, Gemini's RetryInfo), when that wait fits in
 *   the remaining budget and under maxRetryWaitMs; the wait is the hint or an
 *   exponential backoff with full jitter, whichever is longer.
 * - Attempts are bounded in number (maxAttempts, all routes together) and in
 *   time (budgetMs before the first byte); each attempt's first-byte timeout is
 *   cut to the budget left.
 * - A client that leaves cancels the attempt in flight and any pending retry.
 * - Route health hears of each attempt (onRouteResult), at most one failure
 *   per route per request. The client's own error and a 429 whose hint the
 *   loop can wait out (at most maxRetryWaitMs) prove the route answered: they
 *   count as answered, never toward its breaker, so one client's rate limit
 *   or bad request never pauses a route for everyone.
 * - An attempt that throws something other than an ApiError (a bug) is a
 *   failure of its route like any other (see asApiError).
 * When every attempt failed, the client gets the most useful error (see
 * mostUsefulError), with the attempts made.
 */
import { ApiError, DEFAULT_RETRY_AFTER_S, errorSummary } from "../shared/errors";
import { routeKey, type ChatResult } from "../providers/types";
import { ClientClosedError, retryAfterHeaderSeconds } from "../providers/upstream";
import type { Candidate } from "./plan";

export interface AttemptRecord {
  /** The endpoint id. */
  route: string;
  /** The public model id. */
  model: string;
  upstreamModel: string;
  /** "ok", or the router's error code for the failure. */
  code: string;
  /** The status the attempt ended with (200 when committed), null when none (e.g. the client left). */
  status: number | null;
  latencyMs: number;
}

export interface Clock {
  now(): number;
  /** Resolves after ms, or rejects with ClientClosedError when the signal fires first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new ClientClosedError(false));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new ClientClosedError(false));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
};

export interface AttemptPolicy {
  /** Attempts in all, over every route and model. */
  maxAttempts: number;
  /** Time from the first attempt until a response must have committed. */
  budgetMs: number;
  /** Longest wait before retrying the same route. */
  maxRetryWaitMs: number;
  /** Exponential backoff: base and cap of the jitter window. */
  backoffBaseMs: number;
  backoffCapMs: number;
}

export interface AttemptHooks {
  clock: Clock;
  signal: AbortSignal;
  /** [0, 1); injectable so tests are deterministic. */
  random(): number;
  /** A route whose breaker is half-open: may this request be its probe? */
  claimProbe(candidate: Candidate): Promise<boolean>;
  /**
   * A finished attempt's outcome for its route's health, at most one failure
   * per route per request (its retries are not more evidence of a broken
   * route, only of the same answer). ok with latencyMs null: the route
   * answered, but not with an answer whose time is a latency sample (the
   * client's own error, or a rate limit whose hint the loop can wait out).
   */
  onRouteResult(candidate: Candidate, ok: boolean, latencyMs: number | null): void;
  /**
   * The attempt that committed the response, with its time to first byte. A
   * committed stream can still fail: the caller reports its outcome once it
   * is known (and at once for a probe, so the breaker closes without waiting
   * for a long stream).
   */
  onCommitted(candidate: Candidate, latencyMs: number): void;
  /** The client left during this request's probe of a half-open route: free it for another probe. */
  releaseProbe(candidate: Candidate): void;
}

export interface AttemptsWon {
  result: ChatResult;
  candidate: Candidate;
  attempts: AttemptRecord[];
}

/** Every attempt failed, or a failure that no other route can fix: the error for the client, with the attempts made. */
export class AttemptsFailed extends Error {
  constructor(
    readonly error: ApiError,
    readonly attempts: AttemptRecord[],
  ) {
    super(error.message);
    this.name = "AttemptsFailed";
  }
}

/** Statuses that are the client's own error: no route would answer differently. */
const CLIENT_ERRORS = new Set([400, 404, 405, 409, 413, 415, 422]);

function isClientError(err: ApiError): boolean {
  return CLIENT_ERRORS.has(err.status);
}

const isRateLimit = (err: ApiError) => err.status === 429;
const isCapacity = (err: ApiError) => err.status === 429 || err.status === 503;

export async function runAttempts(
  candidates: readonly Candidate[],
  attempt: (candidate: Candidate, firstByteTimeoutMs: number) => Promise<ChatResult>,
  policy: AttemptPolicy,
  hooks: AttemptHooks,
): Promise<AttemptsWon> {
  const { clock } = hooks;
  const start = clock.now();
  const attempts: AttemptRecord[] = [];
  const failures: ApiError[] = [];
  /** Routes whose failure health has heard of in this request. */
  const failedRoutes = new Set<string>();
  const remaining = () => policy.budgetMs - (clock.now() - start);
  const record = (c: Candidate, code: string, status: number | null, began: number) =>
    attempts.push({ route: c.route.endpoint, model: c.model.id, upstreamModel: c.route.upstreamModel, code, status, latencyMs: Math.max(0, clock.now() - began) });

  for (const candidate of candidates) {
    // Bounds first: a request that may not try a half-open route must not take its probe.
    if (attempts.length >= policy.maxAttempts || remaining() <= 0) break;
    // The client left while the last attempt failed: nothing more is sent for it.
    if (hooks.signal.aborted) throw new AttemptsFailed(new ClientClosedError(false), attempts);
    if (candidate.probe && !(await hooks.claimProbe(candidate))) continue;
    // A retry of this route starts only when it fits both bounds (checked before its wait).
    for (let retries = 0; ; retries++) {
      const began = clock.now();
      try {
        const result = await attempt(candidate, Math.max(1, Math.min(candidate.firstByteTimeoutMs, remaining())));
        record(candidate, "ok", result.response.status, began);
        hooks.onCommitted(candidate, Math.max(0, clock.now() - began));
        return { result, candidate, attempts };
      } catch (thrown) {
        const err = asApiError(thrown);
        if (err instanceof ClientClosedError) {
          record(candidate, err.code, null, began);
          if (candidate.probe) hooks.releaseProbe(candidate);
          throw new AttemptsFailed(err, attempts);
        }
        record(candidate, err.code, err.status, began);
        if (isClientError(err)) {
          hooks.onRouteResult(candidate, true, null);
          throw new AttemptsFailed(err, attempts);
        }
        const key = routeKey(candidate.route);
        if (isRateLimit(err) && err.retryAfterMs !== null && err.retryAfterMs <= policy.maxRetryWaitMs) hooks.onRouteResult(candidate, true, null);
        else if (!failedRoutes.has(key)) {
          failedRoutes.add(key);
          hooks.onRouteResult(candidate, false, Math.max(0, clock.now() - began));
        }
        failures.push(err);
        const wait = retryWait(err, retries, policy, hooks.random);
        if (wait === null || attempts.length >= policy.maxAttempts || wait >= remaining()) break;
        try {
          await clock.sleep(wait, hooks.signal);
        } catch (sleepErr) {
          throw new AttemptsFailed(sleepErr instanceof ApiError ? sleepErr : new ClientClosedError(false), attempts);
        }
      }
    }
  }
  throw new AttemptsFailed(mostUsefulError(failures, attempts), attempts);
}

/**
 * An attempt's error as the router's. Anything not an ApiError is a bug in
 * the router (an adapter that failed to map something): it is logged, without
 * its message (which may quote a prompt or a response), and counts as this
 * route's failure, so the next route is tried, the breaker hears of it and the
 * attempt is in the request's log.
 */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  console.error("routing: an attempt failed with an unexpected error", err instanceof Error ? errorSummary(err) : typeof err);
  return new ApiError(502, "api_error", "router_internal_error", "The router failed while handling the upstream's answer; retry the request.");
}

/** How long to wait before retrying the same route, or null when it should not be retried. */
function retryWait(err: ApiError, retries: number, policy: AttemptPolicy, random: () => number): number | null {
  if (!isCapacity(err) || err.retryAfterMs === null || err.retryAfterMs > policy.maxRetryWaitMs) return null;
  const jitter = random() * Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** retries);
  return Math.max(err.retryAfterMs, jitter);
}

/**
 * The error that helps the client most when every attempt failed: 429 with
 * the smallest Retry-After when every route was rate-limited; 503 when any
 * was out of capacity (with the smallest known Retry-After); 504 when every
 * attempt timed out; else 502 with the last failure's code and message. The
 * message lists the attempts (endpoint, status, code).
 */
export function mostUsefulError(failures: readonly ApiError[], attempts: readonly AttemptRecord[]): ApiError {
  const summary = attempts.map((a) => `${a.route} ${a.status ?? "-"} ${a.code}`).join("; ");
  if (failures.length === 0) {
    return new ApiError(503, "upstream_error", "no_route_available", "No route could be tried for this request; retry shortly.", null, {
      "retry-after": String(DEFAULT_RETRY_AFTER_S),
    });
  }
  // One attempt: its own error says it best (and keeps its code and message).
  if (failures.length === 1 && attempts.length === 1) return failures[0]!;
  const hints = (list: readonly ApiError[]) => list.map((e) => e.retryAfterMs).filter((ms): ms is number => ms !== null);
  const retryAfter = (list: readonly ApiError[]) => {
    const known = hints(list);
    return { "retry-after": String(retryAfterHeaderSeconds(known.length > 0 ? Math.min(...known) : null)) };
  };
  const tried = `${attempts.length} attempt${attempts.length === 1 ? "" : "s"} (${summary})`;
  // Fallback models were tried too: the message must not blame one model.
  const subject = new Set(attempts.map((a) => a.model)).size > 1 ? "these models" : "this model";
  if (failures.every(isRateLimit)) {
    return new ApiError(429, "rate_limit_error", "upstream_rate_limited", `Every route of ${subject} is rate-limited upstream: ${tried}.`, null, retryAfter(failures));
  }
  const capacity = failures.filter(isCapacity);
  if (capacity.length > 0) {
    return new ApiError(503, "upstream_error", "upstream_unavailable", `No route of ${subject} could take the request: ${tried}.`, null, retryAfter(capacity));
  }
  if (failures.every((e) => e.status === 504)) {
    return new ApiError(504, "timeout_error", "upstream_timeout", `Every route of ${subject} timed out: ${tried}.`);
  }
  const last = failures[failures.length - 1]!;
  return new ApiError(502, "upstream_error", last.code, `${last.message} Every route of ${subject} failed: ${tried}.`);
}
