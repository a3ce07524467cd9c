/**
 * What every model call does around the providers: plans the routes the
 * caller may use, admits the request with the limiter, runs the attempts,
 * and owns the call's record (the routes tried, the one that answered, the
 * outcome) and the headers it answers with (rate limits, receipts). Shared by
 * /v1/chat/completions and /v1/messages.
 *
 * The record is handed to the request log once, complete, when the call is
 * decided (c.set("call", ...)); its outcome settles when the response body
 * ends. Nothing mutates it after that.
 */
import type { Context } from "hono";
import { AccessRefusedError } from "../limits/access-errors";
import type { AccessOverrides } from "../limits/access-state";
import { admit, release } from "../limits/client";
import type { Reservation } from "../limits/estimate";
import type { ProviderPreferences } from "../providers/routing-fields";
import type { CallOutcome, ChatResult, ModelEntry, Usage } from "../providers/types";
import { routeKey } from "../providers/types";
import { ClientClosedError } from "../providers/upstream";
import { AttemptsFailed, realClock, runAttempts, type AttemptRecord } from "../routing/attempts";
import { configuredEuModelIds } from "../routing/availability";
import { claimProbe, recordAttempt, releaseProbe, routeLatencyMs, routeState, syncHealth } from "../routing/health";
import { planRoutes, type Candidate, type HealthReader, type RequestedOutput } from "../routing/plan";
import { routingSettings } from "../routing/policy";
import type { Catalogue } from "../routing/catalogue";
import { ApiError } from "../shared/errors";
import { markupBps } from "../billing/price";
import type { Charge } from "../billing/types";
import { isAbandonedStream, withAbandonedUsage } from "./abandoned-usage";
import { callCharge, maxPriceNano } from "./cost";
import { evictAccount } from "./auth-cache";
import { cacheHeaders, cachedResponse, observeMiss, type CachePlan } from "./cache-call";
import type { AppEnv, AuthContext, CallRecord } from "./env";

/** This isolate's route health, as the planner reads it. */
const HEALTH: HealthReader = { state: (key) => routeState(key), latencyMs: (key) => routeLatencyMs(key) };

export interface ModelCall {
  catalogue: Catalogue;
  /** The requested model, then the fallback models (`models`). */
  models: readonly ModelEntry[];
  prefs: ProviderPreferences | null | undefined;
  streamed: boolean;
  /** The completion maximum the request asked for (routes that cannot give it are skipped). */
  maxOutput: RequestedOutput | null;
  /** The limiter's reservation, for the largest answer the eligible routes may give (see largestEligible). */
  reserve(model: ModelEntry): Reservation;
  /** The response cache's plan (src/router/cache-call.ts); null: bypass; absent: the endpoint has no cache. */
  cache?: CachePlan | null;
}

/** One attempt on one route; resolves once the response is committed, in the client's format. */
export type Attempt = (candidate: Candidate) => Promise<ChatResult>;

const totalTokens = (usage: Usage | null) => (usage ? usage.promptTokens + usage.completionTokens : null);
/** A call that produced nothing: its reservation is released uncharged. */
const NO_CHARGE: Charge = { priceNano: 0, providerCostNano: 0 };

/**
 * A failed call is free (the provider completed nothing), except when the
 * client left after the request had gone upstream: the provider has read the
 * prompt and bills it, so it is billed, as for an abandoned stream, at the
 * prompt estimate made at admission with no completion, marked estimated.
 */
function promptOnlyOutcome(err: ApiError, reservation: Reservation): CallOutcome | null {
  if (!(err instanceof ClientClosedError && err.upstreamSent)) return null;
  return {
    usage: { promptTokens: reservation.promptTokens, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
    result: "client_aborted",
    firstByteAt: null,
    usageEstimated: true,
    endedAt: Date.now(),
  };
}

/**
 * The model as the limiter should see it: the largest answer any attempt may
 * give is the largest output limit among the routes this request may use
 * (not the model's, whose largest route may be out of reach, say outside the
 * EU).
 */
function largestEligible(candidates: readonly Candidate[]): ModelEntry {
  const best = candidates.reduce((a, b) => (b.route.maxOutputTokens > a.route.maxOutputTokens ? b : a));
  return { ...best.model, maxOutputTokens: best.route.maxOutputTokens };
}

/** The receipts of a routed call: which endpoint answered, where it runs, how many attempts it took. */
function receipts(attempts: readonly AttemptRecord[], candidate: Candidate | null): Record<string, string> {
  const headers: Record<string, string> = { "x-emby-attempts": String(attempts.length) };
  if (candidate) {
    headers["x-emby-route"] = candidate.route.endpoint;
    headers["x-emby-data-region"] = candidate.route.region;
  }
  return headers;
}

function withResponseHeaders(response: Response, headers: Record<string, string>): Response {
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  } catch {
    // Immutable headers (a response passed through as received): copy once.
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    return copy;
  }
}

/**
 * Brings the request's view of the account up to what the limiter was told
 * since the view was read (a consent withdrawal, a restriction, an AUP status
 * from another isolate), so that routing, limits, the warning header and the
 * log event all follow it from this request on. Only changes that narrow
 * access are applied (a lift reaches the view when the cache re-reads D1),
 * except the tier, which the limiter already applied either way.
 */
function applyOverrides(auth: AuthContext, overrides: AccessOverrides | null): void {
  if (!overrides) return;
  if (overrides.nonEuConsent === false) auth.nonEuConsent = false;
  if (overrides.restricted === true) auth.restricted = true;
  if (overrides.tier !== undefined) auth.tier = overrides.tier;
  if (overrides.status === "warned" || overrides.status === "rate_limited") {
    auth.accountStatus = overrides.status;
    auth.statusReason = overrides.statusReason ?? null;
  }
}

/**
 * Runs one model call: plan, admission, attempts. Throws 403/400/502/503 when
 * no route may serve it, 429/503 from the limiter, or the attempts' most
 * useful error; on success the lease is released, and the real usage settled,
 * once the response body has ended.
 */
export async function runModelCall(c: Context<AppEnv>, call: ModelCall, attempt: Attempt): Promise<Response> {
  const auth = c.get("auth");
  const { policy, defaults } = routingSettings(c.env);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const bps = markupBps(c.env);
  const cache = call.cache;
  const handOver = (record: Omit<CallRecord, "markupBps">) => {
    const full = { ...record, markupBps: bps, ...(cache === undefined ? {} : { cache: record.cache ?? (cache ? "miss" : "bypass") }) };
    c.set("call", full);
    return full;
  };
  const primary = call.models[0]!;
  const plan = () =>
    planRoutes({
      models: call.models,
      prefs: call.prefs,
      access: { nonEuConsent: auth.nonEuConsent, euOnlyKey: auth.euOnly, allowedModels: auth.allowedModels },
      env: c.env,
      health: HEALTH,
      defaults,
      maxOutput: call.maxOutput,
      euModels: () => configuredEuModelIds(call.catalogue, c.env),
    });
  let candidates: Candidate[];
  try {
    candidates = plan();
  } catch (err) {
    handOver({ model: primary, route: null, attempts: [], streamed: call.streamed });
    // An isolate whose routes are all paused learns of their recovery only by syncing.
    syncHealth(c.env, waitUntil);
    throw err instanceof ApiError ? err.withHeaders({ ...receipts([], null), ...(cache === undefined ? {} : cacheHeaders(cache)) }) : err;
  }

  const reservation = call.reserve(largestEligible(candidates));
  let leaseId = c.get("requestId");
  let rateLimitHeaders: Record<string, string>;
  let hit: Response | null = null;
  // Said on every answer of a call that uses the cache, errors included, as the log event says it.
  const cacheSaid = cache === undefined ? {} : cacheHeaders(cache);
  try {
    const spend = { maxPriceNano: maxPriceNano(candidates.map((candidate) => candidate.route), reservation, bps), keyBudget: auth.budget };
    let admission = await admit(c.env, auth, leaseId, primary.id, reservation, spend, waitUntil, cache?.key);
    const consentBefore = auth.nonEuConsent;
    applyOverrides(auth, admission.overrides);
    const consentWithdrawn = auth.nonEuConsent !== consentBefore;
    if (admission.cached && cache) {
      try {
        // An entry found under a key made before the consent withdrawal this
        // view missed may hold an answer from a non-EU route: not served.
        if (!consentWithdrawn) hit = await cachedResponse(c.env, auth, cache, admission.cached);
      } finally {
        // A hit holds its slot only while it is answered, and is free.
        waitUntil(release(c.env, auth.accountId, leaseId, 0, NO_CHARGE));
      }
      if (!hit) {
        // An entry not served (the master key changed, or consent withdrawn)
        // is a miss, but its admission reserved no money: admit it again, as
        // a paying request.
        leaseId = `${leaseId}.uncached`;
        admission = await admit(c.env, auth, leaseId, primary.id, reservation, spend, waitUntil);
        applyOverrides(auth, admission.overrides);
      }
    }
    rateLimitHeaders = { ...admission.headers, ...(cache === undefined ? {} : cacheHeaders(cache, hit !== null)) };
    if (consentWithdrawn && !hit) {
      // Consent withdrawn since this view was read: plan again, EU routes
      // only; with none left the lease goes back at once.
      try {
        candidates = plan();
      } catch (err) {
        waitUntil(release(c.env, auth.accountId, leaseId, 0, NO_CHARGE));
        throw err;
      }
    }
  } catch (err) {
    // The limiter knows this key or account may not be used: so should this isolate's cache.
    if (err instanceof AccessRefusedError) evictAccount(auth.accountId);
    handOver({ model: primary, route: null, attempts: [], streamed: call.streamed });
    throw err instanceof ApiError ? err.withHeaders({ ...receipts([], null), ...cacheSaid }) : err;
  }
  if (hit) {
    // No route, no attempts, no tokens: logged as the requested model, free.
    handOver({ model: primary, route: null, attempts: [], streamed: call.streamed, cache: "hit", outcome: Promise.resolve({ usage: null, result: "completed", firstByteAt: null, endedAt: Date.now() }) });
    return withResponseHeaders(hit, { ...rateLimitHeaders, ...receipts([], null) });
  }

  let won: Awaited<ReturnType<typeof runAttempts>>;
  try {
    won = await runAttempts(candidates, (candidate, firstByteTimeoutMs) => attempt({ ...candidate, config: { ...candidate.config, timeoutMs: firstByteTimeoutMs } }), policy, {
      clock: realClock,
      signal: c.req.raw.signal,
      random: Math.random,
      claimProbe: (candidate) => claimProbe(c.env, routeKey(candidate.route)),
      onRouteResult: (candidate, ok, latencyMs) => recordAttempt(routeKey(candidate.route), { ok, latencyMs }),
      // A probe's success closes its breaker at once; any other committed
      // attempt is counted when its response ends (below).
      onCommitted: (candidate, latencyMs) => {
        if (candidate.probe) recordAttempt(routeKey(candidate.route), { ok: true, latencyMs });
      },
      releaseProbe: (candidate) => releaseProbe(routeKey(candidate.route)),
    });
  } catch (err) {
    syncHealth(c.env, waitUntil);
    if (!(err instanceof AttemptsFailed)) {
      handOver({ model: primary, route: null, attempts: [], streamed: call.streamed });
      waitUntil(release(c.env, auth.accountId, leaseId, 0, NO_CHARGE));
      throw err;
    }
    const outcome = promptOnlyOutcome(err.error, reservation);
    const last = err.attempts.at(-1);
    const lastModel = (last && call.models.find((m) => m.id === last.model)) ?? primary;
    // The log event carries what is billed; the limiter settles to the same.
    const record = handOver({
      model: lastModel,
      route: outcome && last ? (lastModel.routes.find((r) => r.endpoint === last.route && r.upstreamModel === last.upstreamModel) ?? null) : null,
      attempts: err.attempts,
      streamed: call.streamed,
      ...(outcome ? { outcome: Promise.resolve(outcome) } : {}),
    });
    const usage = outcome?.usage ?? null;
    waitUntil(release(c.env, auth.accountId, leaseId, totalTokens(usage) ?? 0, callCharge(record, usage)));
    throw err.error.withHeaders({ ...rateLimitHeaders, ...receipts(err.attempts, null) });
  }
  syncHealth(c.env, waitUntil);

  const { result, candidate, attempts } = won;
  const firstByteMs = attempts.at(-1)!.latencyMs;
  const model = candidate.model;
  // Settles when the body has ended, been abandoned by the client, or failed:
  // the request log waits for it, and the limiter settles the real usage (an
  // abandoned stream's is counted from what it generated; other unknown usage
  // keeps the reservation). The call ended when the relay settled: the log's
  // end time and latency leave out the counting that follows.
  const ended = result.outcome.then((o): CallOutcome => ({ ...o, endedAt: Date.now() }));
  const outcome = ended.then((o) => withAbandonedUsage(o, model, reservation));
  const record = handOver({ model, route: candidate.route, attempts, streamed: call.streamed, outcome });
  waitUntil(
    ended.then(async (o) => {
      // A response that failed after it had committed (a stream cut off or
      // stalled) is the route's failure, not a success: counted only now, so
      // a route whose streams keep breaking opens its breaker like any other.
      const failed = o.result === "upstream_error";
      if (failed) recordAttempt(routeKey(candidate.route), { ok: false, latencyMs: null });
      else if (!candidate.probe) recordAttempt(routeKey(candidate.route), { ok: true, latencyMs: firstByteMs });
      if (failed) syncHealth(c.env, waitUntil);
      // The money settles to the same charge the log event records; an
      // outcome that failed to settle (an adapter bug) is logged as free, and
      // so charged nothing.
      const settle = outcome.then(
        (s) => release(c.env, auth.accountId, leaseId, totalTokens(s.usage), callCharge(record, s.usage)),
        () => release(c.env, auth.accountId, leaseId, null, NO_CHARGE),
      );
      // An abandoned stream frees its slot at once and settles its tokens and
      // money when counted (the first count in an isolate loads the
      // tokenizer). Both usually ride in one limiter call.
      await (isAbandonedStream(o) ? Promise.all([release(c.env, auth.accountId, leaseId, null), settle]) : settle);
    }),
  );
  const response = cache ? observeMiss(c, cache, result.response, ended) : result.response;
  return withResponseHeaders(response, { ...rateLimitHeaders, ...receipts(attempts, candidate) });
}
